import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { definedLookups } from './compiled-lookup.ts';
import { PREPARED } from './prepared.ts';
// The modules that define the compiled statements prepared.ts names.
import './people-repo.ts';
import './auth-repo.ts';
import './audit-repo.ts';
import './sign-in-repo.ts';
import './scim-tokens.ts';
import './scim-repo.ts';

describe('prepared statements', () => {
  it('names only compiled statements that exist (a misspelt name would silently go unprepared)', () => {
    const missing = PREPARED.filter((n) => !definedLookups().has(n));
    assert.deepEqual(missing, []);
  });
});
