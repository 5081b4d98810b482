import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newScimUserId } from './ids.ts';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newScimUserId', () => {
  it('makes version 7 UUIDs that increase, also within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => newScimUserId(1_765_000_000_000));
    for (const id of ids) assert.match(id, V7);
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(newScimUserId(1_765_000_001_000) > ids.at(-1)!);
  });

  it('keeps increasing when the clock steps back', () => {
    const a = newScimUserId(1_765_000_100_000);
    const b = newScimUserId(1_765_000_099_000);
    assert.ok(b > a);
  });
});
