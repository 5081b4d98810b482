/**
 * Password hashing: argon2id at OWASP's parameters for new passwords; existing argon2 and
 * bcrypt hashes (from migrations and imports) verify as they are.
 */
import os from 'node:os';
import type * as Argon2 from '@node-rs/argon2';
import type * as Bcrypt from 'bcryptjs';

/**
 * The hashing packages are loaded at their first use, not with this module: every start of
 * the CLI loads the App, and most commands hash nothing (about 40 ms of CPU each start,
 * bench/startup.bench.ts). The promise is kept, so later calls only await it.
 */
let argon2Module: Promise<typeof Argon2> | null = null;
const argon2 = () => (argon2Module ??= import('@node-rs/argon2'));
let bcryptModule: Promise<typeof Bcrypt> | null = null;
const bcryptjs = () => (bcryptModule ??= import('bcryptjs'));

export interface Argon2Params {
  memoryKib: number;
  iterations: number;
}

export const OWASP_ARGON2: Argon2Params = { memoryKib: 19456, iterations: 2 };

/**
 * At most one argon2 computation per CPU core at a time, and one more; others wait their
 * turn, in order. Each computation holds `memoryKib` (19 MiB at OWASP's parameters) while it
 * runs, and libuv's thread pool would run four at once: on a 2-core server that doubles the
 * memory of a burst of sign-ins for no more throughput, and it leaves pool threads free for
 * file system work. The one more: with exactly one per core, a core whose verify ended sat
 * idle until the main thread, busy with another request's answer or query, got round to
 * starting the next verify; with one queued on the pool already, the cores always have
 * argon2 to run (+19 MiB at peak; bench/api.bench.ts, docs/benchmarks.md session 11).
 */
export const ARGON2_LANES = argon2Lanes(
  os.availableParallelism(),
  Number(process.env.UV_THREADPOOL_SIZE) || 4,
);

/**
 * Cores + 1, but always one thread of libuv's pool left to file system work and DNS: on a
 * machine of 4 cores or more the pool (4 threads unless UV_THREADPOOL_SIZE says more) caps
 * the lanes, and an operator who wants every core on sign-ins raises UV_THREADPOOL_SIZE
 * (docs/operations.md).
 */
export function argon2Lanes(cores: number, poolSize: number): number {
  return Math.max(1, Math.min(cores + 1, poolSize - 1));
}
let running = 0;
const waiting: (() => void)[] = [];

async function inLane<T>(work: () => Promise<T>): Promise<T> {
  if (running < ARGON2_LANES) running++;
  else await new Promise<void>((resolve) => waiting.push(resolve)); // the slot is handed over
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

const argon2Hash = async (...args: Parameters<typeof Argon2.hash>) => {
  const { hash } = await argon2();
  return inLane(() => hash(...args));
};
const argon2Verify = async (...args: Parameters<typeof Argon2.verify>) => {
  const { verify } = await argon2();
  return inLane(() => verify(...args));
};

// Algorithm.Argon2id is a const enum in the typings; its value is 2.
const ARGON2ID = 2;

export function hashPassword(plain: string, params: Argon2Params = OWASP_ARGON2): Promise<string> {
  return argon2Hash(plain, {
    algorithm: ARGON2ID,
    memoryCost: params.memoryKib,
    timeCost: params.iterations,
    parallelism: 1,
  });
}

const ARGON2_HASH = /^\$argon2(id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;
const BCRYPT_HASH = /^\$2[abxy]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/** Whether a string is a password hash we can verify (for imports that carry hashes). */
export function isSupportedHash(s: string): boolean {
  return ARGON2_HASH.test(s) || BCRYPT_HASH.test(s);
}

/** A hash of a random password: verifying against it costs as much as a real one. */
let dummyHash: Promise<string> | null = null;
function dummy(params: Argon2Params): Promise<string> {
  dummyHash ??= hashPassword('gatehouse-timing-equaliser-' + Math.random(), params);
  return dummyHash;
}

/**
 * Verifies a password. With a null hash (unknown user, no local password) it still does the
 * full work against a dummy hash, so timing does not tell whether the account exists.
 */
export async function verifyPassword(
  storedHash: string | null,
  plain: string,
  params: Argon2Params = OWASP_ARGON2,
): Promise<boolean> {
  if (storedHash === null) {
    await argon2Verify(await dummy(params), plain).catch(() => false);
    return false;
  }
  try {
    if (storedHash.startsWith('$argon2')) return await argon2Verify(storedHash, plain);
    if (BCRYPT_HASH.test(storedHash))
      return await (await bcryptjs()).default.compare(plain, storedHash);
  } catch {
    return false;
  }
  return false;
}

/** Whether a stored hash should be replaced by a fresh argon2id hash after a successful sign-in. */
export function needsRehash(storedHash: string, params: Argon2Params = OWASP_ARGON2): boolean {
  const m = /^\$argon2id\$v=\d+\$m=(\d+),t=(\d+),p=\d+\$/.exec(storedHash);
  if (!m) return true;
  return Number(m[1]) < params.memoryKib || Number(m[2]) < params.iterations;
}
