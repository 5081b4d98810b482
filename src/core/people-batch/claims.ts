/**
 * Email and user-code uniqueness across the rows of a batch and the database. The values the
 * rows claim are held packed outside V8's heap while the batch is checked.
 */
import { holdersOf } from '../../store/batch-repo.ts';
import type { Executor } from '../../store/people-repo.ts';
import type { FieldError } from '../errors.ts';
import { chunks } from './slices.ts';
import type { Kept } from './types.ts';

export type Claims = Record<'email_key' | 'user_code', PackedStrings>;

/** Bytes per buffer of packed strings (a longer string gets a buffer of its own). */
const ARENA_BYTES = 1 << 20;

/**
 * One string (or none) per row, kept UTF-8 encoded in buffers outside V8's heap and read back
 * one at a time: the email keys and user codes claimed by 100,000 rows would otherwise be
 * 200,000 strings on the heap while the batch is checked, and V8 sizes its heap from that.
 */
export class PackedStrings {
  private readonly arenas: Buffer[] = [];
  private used = 0;
  /** Per string: buffer, offset, byte length (-1: none). */
  private places = new Int32Array(3 * 1024);
  private count = 0;

  push(value: string | undefined): void {
    const at = 3 * this.count++;
    if (this.places.length < at + 3) {
      const more = new Int32Array(this.places.length * 2);
      more.set(this.places);
      this.places = more;
    }
    if (value === undefined) {
      this.places[at + 2] = -1;
      return;
    }
    const bytes = Buffer.byteLength(value);
    let arena = this.arenas[this.arenas.length - 1];
    if (arena === undefined || this.used + bytes > arena.length) {
      arena = Buffer.allocUnsafe(Math.max(ARENA_BYTES, bytes));
      this.arenas.push(arena);
      this.used = 0;
    }
    arena.write(value, this.used, 'utf8');
    this.places[at] = this.arenas.length - 1;
    this.places[at + 1] = this.used;
    this.places[at + 2] = bytes;
    this.used += bytes;
  }

  get(i: number): string | undefined {
    const at = 3 * i;
    const bytes = this.places[at + 2]!;
    if (i >= this.count || bytes < 0) return undefined;
    const offset = this.places[at + 1]!;
    return this.arenas[this.places[at]!]!.toString('utf8', offset, offset + bytes);
  }
}

/** A hash of a string in 30 bits (FNV-1a, folded), so that it stays a small integer. */
function hash30(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 30)) & 0x3fffffff;
}

/**
 * Each email key and user code may be claimed by one row of the batch, and not by another
 * account in the database (unless that account gives it up in this same batch).
 */
export async function checkClaims(
  db: Executor,
  kept: Kept[],
  claimed: Claims,
  fail: (k: Kept, e: FieldError) => void,
): Promise<void> {
  for (const [column, field, label] of [
    ['email_key', 'email', 'email address'],
    ['user_code', 'user_code', 'user code'],
  ] as const) {
    // The first row claiming each value, found by the value's hash (values whose hash is
    // already taken by another value go by the value itself).
    const values = claimed[column];
    const byHash = new Map<number, number>();
    const byValue = new Map<string, number>();
    const claimers: number[] = [];
    for (let i = 0; i < kept.length; i++) {
      const k = kept[i]!;
      const value = values.get(i);
      if (value === undefined || k.outcome.action === 'error') continue;
      const h = hash30(value);
      const first = byHash.get(h);
      let other: number | undefined;
      if (first === undefined) byHash.set(h, i);
      else if (values.get(first) === value) other = first;
      else other = byValue.get(value);
      if (other !== undefined)
        fail(k, { field, message: `This ${label} is also on row ${kept[other]!.outcome.row}.` });
      else {
        if (first !== undefined) byValue.set(value, i);
        claimers.push(i);
      }
    }
    // People of this batch who give their value up (it may pass to another row).
    const releasing = new Set(
      kept
        .filter(
          (q) => q.existing && q.outcome.action !== 'error' && q.update?.[column] !== undefined,
        )
        .map((q) => q.existing!.id),
    );
    for (const part of chunks(claimers)) {
      const claims = new Map(part.map((i) => [values.get(i)!, kept[i]!]));
      for (const r of await holdersOf(db, column, [...claims.keys()])) {
        const k = claims.get(r.value);
        // Taken by someone else, unless that someone gives it up in this same file.
        if (k && k.existing?.id !== r.id && !releasing.has(r.id))
          fail(k, { field, message: `Another account already has this ${label}.` });
      }
    }
  }
}
