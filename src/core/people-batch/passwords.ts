/** The plaintext passwords of a batch, hashed in lanes on libuv's thread pool. */
import { hashPassword } from '../../auth/passwords.ts';
import { nowIso } from '../context.ts';
import type { BatchServices } from './context.ts';
import { SLICE } from './slices.ts';
import { type BatchRow, type BatchSource, isWork, type Kept } from './types.ts';

/**
 * Hashes the plaintext passwords of the rows to write, before the transaction opens.
 * Updates get the hash in their change; creates get it when planned again for the write.
 */
export async function hashPasswords(
  s: BatchServices,
  rows: BatchSource,
  kept: Kept[],
  onProgress?: (done: number, total: number) => void | Promise<void>,
): Promise<Map<number, { hash: string; at: string }>> {
  const hashes = new Map<number, { hash: string; at: string }>();
  const total = kept.filter((k) => k.password && isWork(k)).length;
  if (total === 0) return hashes;
  // Passwords are taken from the source a slice at a time, as the lanes ask for them.
  let index = 0;
  let slice: BatchRow[] = [];
  let sliceStart = 0;
  const next = (): { i: number; password: string } | undefined => {
    for (; index < kept.length; index++) {
      const k = kept[index]!;
      if (!k.password || !isWork(k)) continue;
      if (index < sliceStart || index >= sliceStart + slice.length) {
        sliceStart = index;
        slice = rows.slice(index, Math.min(kept.length, index + SLICE));
      }
      const password = slice[index - sliceStart]!.password!;
      return { i: index++, password };
    }
    return undefined;
  };
  let done = 0;
  // @node-rs/argon2 hashes on libuv's thread pool, one hash per thread: keep it full.
  const lanes = Math.max(2, Number(process.env.UV_THREADPOOL_SIZE ?? 4));
  await Promise.all(
    Array.from({ length: Math.min(lanes, total) }, async () => {
      for (let job = next(); job; job = next()) {
        const hash = await hashPassword(job.password, s.opts.argon2);
        const at = nowIso();
        const k = kept[job.i]!;
        if (k.update) Object.assign(k.update, { password_hash: hash, password_changed_at: at });
        else hashes.set(job.i, { hash, at });
        await onProgress?.(++done, total);
      }
    }),
  );
  return hashes;
}
