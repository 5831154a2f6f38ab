/**
 * Rendezvous (highest-random-weight) hashing, Thaler & Ravishankar 1998: each (partition, member) pair gets
 * a pseudo-random weight; a partition's owners are the members with the highest weights. Removing a member
 * moves only the partitions it held, and a new member takes over only where it outranks someone — the
 * minimal disruption that consistent hashing needs, with no tokens or vnodes to gossip.
 */
import { fmix64, fnvInit, fnvU32, fnvUtf8 } from '../runtime/hash64.js';
import type { PartitionId } from './partition.js';

const TWO_POW_20 = 0x10_0000;

/**
 * The weight of `memberId` for `partition`: the top 52 bits of hash64(utf8(memberId) ‖ u32be(partition)),
 * a safe integer so callers compare plain numbers. The member id comes first so a ring can hash it once
 * and continue per partition (`weightsFor`). Equal weights (odds ~2^-52) are broken by member id.
 */
export function rendezvousWeight(partition: PartitionId, memberId: string): number {
  const s = fnvInit();
  fnvUtf8(s, memberId);
  fnvU32(s, partition);
  const h = fmix64(s);
  return h.hi * TWO_POW_20 + (h.lo >>> 12);
}

/** The weights of `memberId` for partitions 0..q-1; same values as `rendezvousWeight`, id hashed once. */
export function weightsFor(memberId: string, q: number): Float64Array {
  const prefix = fnvInit();
  fnvUtf8(prefix, memberId);
  const out = new Float64Array(q);
  const s = { hi: 0, lo: 0 };
  for (let p = 0; p < q; p++) {
    s.hi = prefix.hi;
    s.lo = prefix.lo;
    fnvU32(s, p);
    const h = fmix64(s);
    out[p] = h.hi * TWO_POW_20 + (h.lo >>> 12);
  }
  return out;
}
