/**
 * Canonical instances of member records. Every node of a converged cluster holds the same record for each
 * member (same id, address, zone, metadata, incarnation and state), and a record is never mutated, so one
 * instance can stand for all equal ones. In a real deployment that saves little; in the simulator, where
 * every node of the cluster lives in one process, it is what lets 10,000 nodes fit: 10,000 tables of
 * 10,000 members are 10⁸ entries, and sharing turns each from a ~100-byte object into an 8-byte pointer.
 * The per-node part of a member (when its state last changed here) stays in the member table.
 *
 * Bounded, because ids come from untrusted packets: at most MAX_VARIANTS records per id (the newest first:
 * a member's old incarnations stop being looked up) and MAX_INTERNED_IDS ids, past which the id interned
 * least recently is forgotten (lru-cache). Forgetting only costs the sharing, never correctness: callers
 * cannot tell an interned record from theirs.
 */
import { LRUCache } from 'lru-cache';
import type { NodeId } from './member.js';
import type { Member, MemberMeta } from './member-events.js';

/**
 * Member ids the pool holds records for. Above the largest cluster the simulator runs (10,000 nodes), so
 * a converged simulated cluster shares every record; a flood of forged ids evicts the least recently
 * interned ones first, which the members actually gossiped about keep refreshing.
 */
export const MAX_INTERNED_IDS = 65_536;
const MAX_VARIANTS = 4;

/**
 * Id → its newest records. Bounded by count through `maxSize` with every id of size 1, not `max`: lru-cache
 * preallocates `max` slots (about 1.4 MiB here) at module load, which a real node of a few dozen members would
 * pay for nothing; this way the pool grows with the ids seen. No TTL, so lru-cache never reads a clock.
 */
const pool = new LRUCache<NodeId, Member[]>({ maxSize: MAX_INTERNED_IDS, sizeCalculation: () => 1 });

/** How many member ids the pool holds records for (at most MAX_INTERNED_IDS); for tests and diagnostics. */
export function internedIds(): number {
  return pool.size;
}

export function metaEqual(a: MemberMeta, b: MemberMeta): boolean {
  if (a === b) return true;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

function sameRecord(a: Member, b: Member): boolean {
  return (
    a.incarnation === b.incarnation &&
    a.state === b.state &&
    a.addr === b.addr &&
    a.zone === b.zone &&
    metaEqual(a.meta, b.meta)
  );
}

/** The canonical record equal to `m` (frozen), which is `m` itself the first time. */
export function internMember(m: Member): Member {
  let variants = pool.get(m.id);
  if (variants !== undefined) {
    for (const v of variants) if (sameRecord(v, m)) return v;
  } else {
    variants = [];
    pool.set(m.id, variants);
  }
  const record = Object.isFrozen(m) ? m : Object.freeze({ ...m });
  variants.unshift(record);
  if (variants.length > MAX_VARIANTS) variants.length = MAX_VARIANTS;
  return record;
}
