/**
 * Ids of new SCIM users: UUIDs whose first 48 bits are the time in milliseconds and the next
 * 12 a counter within the millisecond (RFC 9562's version 7 layout, the rest random). The
 * users' table is kept in (directory_id, scim_id) order (migration 0018), so time-ordered ids
 * append to its last page instead of landing on a random one, and the list, paged in id
 * order, comes in creation order. Node's crypto makes only random (version 4) UUIDs.
 */
import { randomBytes } from 'node:crypto';

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
  const b = randomBytes(16);
  b.writeUIntBE(lastMs, 0, 6);
  b[6] = 0x70 | (counter >> 8);
  b[7] = counter & 0xff;
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
