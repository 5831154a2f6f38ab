/**
 * Every ring tunable in one typed object (DESIGN.md §6). The replica count N is not here: it belongs to the
 * quorum settings of the store, and every ring query takes it as an argument.
 */

/** Largest Q we accept: keeps `partitionOf`'s two-halves modulo exact in doubles (Q² < 2^53) with room to spare. */
export const MAX_PARTITIONS = 1 << 20;

export interface RingConfig {
  /**
   * Q, the fixed number of partitions the key space is split into (key → hash64 mod Q). Q is the unit of
   * ownership and handoff, so it must be equal on every node and never change for the life of the data.
   * Larger Q balances load more evenly across members (a member's share has relative spread about
   * sqrt(m / (Q·N))) and makes each handoff smaller, at the cost of more per-partition state (Merkle trees,
   * handoff bookkeeping). riak_core's `ring_creation_size` defaults to 64; we take 256 so a 10–50 member
   * cluster stays within ~±20 % of an even share.
   */
  readonly partitions: number;
}

export const DEFAULT_PARTITIONS = 256;

/** A fresh default config (a function so no caller can mutate a shared object). */
export function defaultRingConfig(): RingConfig {
  return { partitions: DEFAULT_PARTITIONS };
}

/** Programmer error if Q is not an integer in [1, MAX_PARTITIONS]. */
export function validatePartitionCount(q: number): void {
  if (!Number.isInteger(q) || q < 1 || q > MAX_PARTITIONS) {
    throw new RangeError(`partition count must be an integer in [1, ${MAX_PARTITIONS}], got ${q}`);
  }
}
