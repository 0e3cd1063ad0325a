import { randomBytes } from 'node:crypto';

/**
 * Job ids sort by creation time (base36 milliseconds, fixed width) and carry 64 random bits.
 * They never contain ':' and are never all digits, both of which BullMQ reserves.
 */
export function newJobId(now: number = Date.now()): string {
  return `j${now.toString(36).padStart(9, '0')}${randomBytes(8).toString('hex')}`;
}
