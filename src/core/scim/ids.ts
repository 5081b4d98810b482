/**
 * Ids of new SCIM users: UUIDs whose first 48 bits are the time in milliseconds and the next
 * 12 a counter within the millisecond (RFC 9562's version 7 layout, the rest random). The
 * users' table is kept in (directory_id, scim_id) order (migration 0018), so time-ordered ids
 * append to its last page instead of landing on a random one, and the list, paged in id
 * order, comes in creation order. Node's crypto makes only random (version 4) UUIDs: their random tail is taken.
 */
import { randomUUID } from 'node:crypto';

let lastMs = 0;
let counter = 0;

export function newScimUserId(now: number = Date.now()): string {
  // Within one millisecond (or if the clock steps back) the counter keeps ids increasing.
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else if (++counter > 0xfff) {
    lastMs += 1;
    counter = 0;
  }
  const time = lastMs.toString(16).padStart(12, '0');
  const versionAndCounter = (0x7000 | counter).toString(16);
  // The last 64 bits (variant and 62 random bits) are laid out alike in both versions:
  // randomUUID draws them from a buffered pool, where randomBytes(16) asked OpenSSL for new
  // bytes in every create (its self time was a tenth of the mapping's; session 9).
  const variantAndRandom = randomUUID().slice(19);
  return `${time.slice(0, 8)}-${time.slice(8)}-${versionAndCounter}-${variantAndRandom}`;
}
