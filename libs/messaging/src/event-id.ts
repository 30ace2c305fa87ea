import { randomFillSync } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

const POOL_IDS = 256;
const pool = new Uint8Array(16 * POOL_IDS);
let next = POOL_IDS;

/**
 * A new UUIDv7 event id. uuid's own v7 asks the OS for 16 random bytes per id, which costs more
 * than the rest of a publish; this draws them from a pool refilled every 256 ids. The random
 * bits (74 of them) make ids unique; time-ordering holds to the millisecond.
 */
export function newEventId(): string {
  if (next === POOL_IDS) {
    randomFillSync(pool);
    next = 0;
  }
  const random = pool.subarray(next * 16, next * 16 + 16);
  next++;
  return uuidv7({ random });
}
