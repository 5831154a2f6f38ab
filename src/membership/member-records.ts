/**
 * Canonical instances of member records. Every node of a converged cluster holds the same record for each
 * member (same id, address, zone, metadata, incarnation and state), and a record is never mutated, so one
 * instance can stand for all equal ones. In a real deployment that saves little; in the simulator, where
 * every node of the cluster lives in one process, it is what lets 10,000 nodes fit: 10,000 tables of
 * 10,000 members are 10⁸ entries, and sharing turns each from a ~100-byte object into an 8-byte pointer.
 * The per-node part of a member (when its state last changed here) stays in the member table.
 *
 * Bounded, because ids come from untrusted packets: at most MAX_VARIANTS records per id (the newest first:
 * a member's old incarnations stop being looked up) and MAX_IDS ids, past which the pool starts over.
 * Forgetting only costs the sharing, never correctness: callers cannot tell an interned record from theirs.
 */
import type { NodeId } from './member.js';
import type { Member, MemberMeta } from './member-events.js';

const MAX_IDS = 65_536;
const MAX_VARIANTS = 4;

const pool = new Map<NodeId, Member[]>();

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
    if (pool.size >= MAX_IDS) pool.clear();
    variants = [];
    pool.set(m.id, variants);
  }
  const record = Object.isFrozen(m) ? m : Object.freeze({ ...m });
  variants.unshift(record);
  if (variants.length > MAX_VARIANTS) variants.length = MAX_VARIANTS;
  return record;
}
