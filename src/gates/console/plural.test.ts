// The console's count helper (web/src/plural.ts): pure, so tested here with the unit tests.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { agree, plural } from '../../../web/src/plural.ts';

describe("console sentences' plurals", () => {
  it('one is singular; zero, many and fractions are plural', () => {
    assert.equal(plural(1, 'account'), '1 account');
    assert.equal(plural(0, 'account'), '0 accounts');
    assert.equal(plural(2, 'active key'), '2 active keys');
    assert.equal(plural(1, 'person', 'people'), '1 person');
    assert.equal(plural(3, 'person', 'people'), '3 people');
    assert.equal(
      `${plural(1, 'account')} ${agree(1, 'was', 'were')} created`,
      '1 account was created',
    );
    assert.equal(
      `${plural(5, 'account')} ${agree(5, 'was', 'were')} created`,
      '5 accounts were created',
    );
  });
});
