/**
 * Key → partition (DESIGN.md §6): hash64(key bytes) mod Q. The mapping is a wire-stable fact — every node,
 * every version, must put a key in the same partition — so the hash is fixed (FNV-1a 64 + fmix64, see
 * `hash64.ts`) and pinned by test vectors.
 */

import { hash64 } from '../runtime/hash64.js';
import { validatePartitionCount } from './config.js';

declare const partitionIdBrand: unique symbol;

/** A partition number in [0, Q). Branded so it is never confused with a count or a replica index. */
export type PartitionId = number & { readonly [partitionIdBrand]: true };

/** Brands a number as a PartitionId of a ring with `q` partitions; out of range is a programmer error. */
export function partitionId(n: number, q: number): PartitionId {
  if (!Number.isInteger(n) || n < 0 || n >= q) {
    throw new RangeError(`partition must be an integer in [0, ${q}), got ${n}`);
  }
  return n as PartitionId;
}

const TWO_POW_32 = 0x1_0000_0000;

/** The partition holding `key`: hash64 of its bytes (a string as UTF-8) mod `q`. */
export function partitionOf(key: Uint8Array | string, q: number): PartitionId {
  validatePartitionCount(q);
  const h = hash64(key);
  // (hi·2^32 + lo) mod q without BigInt: every term stays below q² < 2^53, so doubles are exact.
  return (((((h.hi % q) * (TWO_POW_32 % q)) % q) + (h.lo % q)) % q) as PartitionId;
}
