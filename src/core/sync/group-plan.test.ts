import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planGroups, type GroupPlanInput } from './group-plan.ts';
import type { DirectoryGroupEntry } from './types.ts';

const g = (
  externalId: string,
  name: string,
  members: string[] = [],
  groups: string[] = [],
): DirectoryGroupEntry => ({
  externalId,
  name,
  label: `cn=${name}`,
  memberExternalIds: members,
  memberGroupExternalIds: groups,
});

const input = (over: Partial<GroupPlanInput>): GroupPlanInput => ({
  read: [],
  linked: new Map(),
  members: new Map(),
  accounts: new Map(),
  pending: new Set(),
  ...over,
});

describe('planGroups', () => {
  it('members are the directory accounts only; other members of the group are left alone', () => {
    const plan = planGroups(
      input({
        read: [g('G1', 'staff', ['u1', 'u2', 'stranger'])],
        linked: new Map([
          ['G1', { external_id: 'G1', group_id: 10, name: 'staff', parent_id: null }],
        ]),
        // 99 is a local account (released from the directory, say): not the sync's to remove.
        members: new Map([[10, [2, 3, 99]]]),
        accounts: new Map([
          ['u1', 1],
          ['u2', 2],
          ['u3', 3],
        ]),
      }),
    );
    const [p] = plan.groups;
    assert.deepEqual(p?.add, [1]);
    assert.deepEqual(p?.remove, [3]);
    assert.equal(p?.rename, null);
  });

  it('a dry run counts members that would be accounts made by the run', () => {
    const plan = planGroups(
      input({ read: [g('G1', 'new', ['u1', 'x'])], pending: new Set(['u1']) }),
    );
    assert.equal(plan.groups[0]?.groupId, null);
    assert.equal(plan.groups[0]?.pendingAdds, 1);
    assert.deepEqual(plan.groups[0]?.add, []);
  });

  it('a linked group with a new name is renamed; linked groups not read are gone; a stable id twice is refused', () => {
    const plan = planGroups(
      input({
        read: [g('G1', ' engineering '), g('G2', 'a'), g('G2', 'b')],
        linked: new Map([
          ['G1', { external_id: 'G1', group_id: 10, name: 'eng', parent_id: null }],
          ['G3', { external_id: 'G3', group_id: 30, name: 'old', parent_id: null }],
        ]),
      }),
    );
    assert.deepEqual(plan.groups[0]?.rename, { from: 'eng', to: 'engineering' });
    assert.equal(plan.groups.length, 1);
    assert.deepEqual(
      plan.gone.map((l) => l.group_id),
      [30],
    );
    assert.equal(plan.refused.length, 2);
    assert.match(plan.refused[0]!.message, /stable id G2/);
  });

  it('a group in several groups stays inside its parent now, else goes inside the first by name', () => {
    const read = [g('C', 'child'), g('Z', 'zeta', [], ['C']), g('A', 'alpha', [], ['C'])];
    const fresh = planGroups(input({ read }));
    const child = fresh.groups.find((x) => x.entry.externalId === 'C');
    assert.equal(child?.parent, 'A');
    assert.deepEqual(child?.alsoInside, ['zeta']);
    const kept = planGroups(
      input({
        read,
        linked: new Map([
          ['C', { external_id: 'C', group_id: 1, name: 'child', parent_id: 2 }],
          ['Z', { external_id: 'Z', group_id: 2, name: 'zeta', parent_id: null }],
        ]),
      }),
    );
    const c2 = kept.groups.find((x) => x.entry.externalId === 'C');
    assert.equal(c2?.parent, 'Z');
    assert.equal(c2?.currentParent, 'Z');
    assert.equal(c2?.currentParentName, 'zeta');
  });

  it('a loop broken where another parent closes none: the group goes inside that one', () => {
    const plan = planGroups(
      input({
        read: [g('B', 'beta', [], ['A']), g('A', 'alpha', [], ['B']), g('C', 'gamma', [], ['A'])],
      }),
    );
    const by = new Map(plan.groups.map((x) => [x.entry.externalId, x]));
    // alpha is in beta and gamma; beta is in alpha. alpha goes inside gamma, beta inside alpha.
    assert.equal(by.get('A')?.parent, 'C');
    assert.match(by.get('A')?.loop ?? '', /shows "alpha" inside "gamma"/);
    assert.equal(by.get('B')?.parent, 'A');
    assert.equal(by.get('C')?.parent, null);
  });

  it('a loop in the nesting is broken at the first group by name, and named', () => {
    const plan = planGroups(
      input({
        read: [g('B', 'beta', [], ['A']), g('A', 'alpha', [], ['B']), g('C', 'gamma')],
      }),
    );
    const by = new Map(plan.groups.map((x) => [x.entry.externalId, x]));
    assert.equal(by.get('A')?.parent, null);
    assert.match(by.get('A')?.loop ?? '', /loop: "alpha" in "beta" in "alpha"/);
    assert.equal(by.get('B')?.parent, 'A');
    assert.equal(by.get('C')?.parent, null);
    assert.equal(by.get('B')?.loop, null);
  });
});
