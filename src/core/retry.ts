import { GatehouseError } from './errors.ts';

/**
 * Runs `work` again when another writer changed what it read (a `precondition_failed` from
 * a version check), up to `attempts` times in all; any other error, or the last conflict,
 * goes to the caller.
 */
export async function retryingConflicts<T>(attempts: number, work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const conflict = err instanceof GatehouseError && err.type === 'precondition_failed';
      if (!conflict || attempt >= attempts) throw err;
    }
  }
}
