import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitGroupPatch } from './group-patch.ts';
import { readPatchBody } from './patch.ts';
import { GatehouseError } from '../../core/errors.ts';

const split = (ops: unknown[]) => {
  const { plan, rest } = splitGroupPatch(readPatchBody({ Operations: ops }));
  return {
    set: plan.set ? [...plan.set].sort() : null,
    add: [...plan.add].sort(),
    remove: [...plan.remove].sort(),
    rest,
  };
};

test('member operations become additions and removals; the rest goes to the PATCH engine', () => {
  assert.deepEqual(
    split([
      { op: 'Add', path: 'members', value: [{ value: 'a' }, { value: 'b' }] },
      { op: 'remove', path: 'members[value eq "c"]' },
      { op: 'Remove', path: 'members', value: [{ value: 'b' }] },
      { op: 'replace', value: { displayName: 'New' } },
    ]),
    {
      set: null,
      add: ['a'],
      remove: ['b', 'c'],
      rest: [{ op: 'replace', path: undefined, value: { displayName: 'New' } }],
    },
  );
});

test('replace and remove-all make a whole new list, later additions join it', () => {
  assert.deepEqual(split([{ op: 'replace', path: 'members', value: [{ value: 'x' }] }]).set, ['x']);
  const r = split([
    { op: 'remove', path: 'members' },
    { op: 'add', path: 'members', value: [{ value: 'y' }] },
  ]);
  assert.deepEqual(r.set, ['y']);
  assert.deepEqual(
    split([{ op: 'add', value: { members: [{ value: 'z' }], displayName: 'D' } }]).add,
    ['z'],
  );
  assert.deepEqual(
    split([{ op: 'remove', path: 'members[value eq "a" or value eq "b"]' }]).remove,
    ['a', 'b'],
  );
});

test('member paths that cannot be honoured are refused', () => {
  const fails = (ops: unknown[], type: string) =>
    assert.throws(
      () => split(ops),
      (e) => e instanceof GatehouseError && e.type === type,
    );
  fails([{ op: 'remove', path: 'members[display eq "x"]' }], 'scim_invalid_path');
  fails([{ op: 'add', path: 'members[value eq "x"]', value: {} }], 'scim_invalid_path');
  fails([{ op: 'replace', path: 'members.display', value: 'x' }], 'scim_invalid_path');
  fails([{ op: 'add', path: 'members', value: [{ display: 'no id' }] }], 'scim_invalid_value');
});
