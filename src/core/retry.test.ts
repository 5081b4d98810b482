import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatehouseError } from './errors.ts';
import { retryingConflicts } from './retry.ts';

const conflict = () => new GatehouseError('precondition_failed');

test('a version conflict is tried again, up to the attempts given in all', async () => {
  let calls = 0;
  const done = await retryingConflicts(3, () => {
    calls++;
    if (calls < 3) throw conflict();
    return Promise.resolve('made');
  });
  assert.equal(done, 'made');
  assert.equal(calls, 3);

  calls = 0;
  await assert.rejects(
    retryingConflicts(2, () => {
      calls++;
      throw conflict();
    }),
    (err) => err instanceof GatehouseError && err.type === 'precondition_failed',
  );
  assert.equal(calls, 2, 'the last conflict goes to the caller');
});

test('any other error goes to the caller at once', async () => {
  let calls = 0;
  await assert.rejects(
    retryingConflicts(5, () => {
      calls++;
      throw new GatehouseError('not_found');
    }),
    (err) => err instanceof GatehouseError && err.type === 'not_found',
  );
  assert.equal(calls, 1);
});
