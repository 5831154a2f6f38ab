import { ConfigProblems } from '../runtime/config-problems.js';

/** Trees kept in memory per node by default (partition-trees.ts): about 17 KiB each at 1024 segments. */
export const DEFAULT_MAX_TREES = 4096;

/**
 * Every Merkle-tree tunable in one typed object (DESIGN.md §10). Both sides of an exchange must use the same
 * config: the shape decides which node index means which key range, so a mismatch is a protocol error that
 * the exchange checks before comparing anything.
 */

/** Largest segment count: 16 bytes per leaf, so 16 MiB of leaves per tree at most. */
export const MAX_SEGMENTS = 1 << 20;
/** Largest branching: an inner node hashes branching × 16 bytes (4 KiB at 256). */
export const MAX_BRANCHING = 256;

export interface MerkleConfig {
  /**
   * Leaves per tree (one tree per partition), a power of two in [1, MAX_SEGMENTS]. A key belongs to exactly
   * one segment, and repair ships whole segments, so keys shipped per difference ≈ keys / segments (about
   * 100 at 100,000 keys and 1024 segments). More segments mean smaller repairs and a deeper or wider tree:
   * memory is 16 bytes × segments (+ 1/(branching − 1) for inner nodes).
   */
  readonly segments: number;
  /**
   * Children per inner node, a power of two in [2, MAX_BRANCHING]. An exchange takes one round trip per
   * level, levels = 1 + ceil(log2(segments) / log2(branching)), and compares about branching hashes per
   * differing node per level. Wider means fewer round trips but more hashes per difference (riak_kv's
   * hashtree uses 1024 segments with width 16).
   */
  readonly branching: number;
}

export const DEFAULT_SEGMENTS = 1024;
export const DEFAULT_BRANCHING = 16;

/** A fresh default config (a function so no caller can mutate a shared object). */
export function defaultMerkleConfig(): MerkleConfig {
  return { segments: DEFAULT_SEGMENTS, branching: DEFAULT_BRANCHING };
}

/** Fills defaults and validates: a bad config is a programmer error (RangeError). */
export function merkleConfig(init: Partial<MerkleConfig> = {}): MerkleConfig {
  const config = { ...defaultMerkleConfig(), ...init };
  validateMerkleConfig(config);
  return config;
}

export function validateMerkleConfig(config: MerkleConfig): void {
  const { segments, branching } = config;
  if (!isPowerOfTwoAtMost(segments, MAX_SEGMENTS)) {
    throw new RangeError(`segments must be a power of two in [1, ${MAX_SEGMENTS}], got ${segments}`);
  }
  if (!isPowerOfTwoAtMost(branching, MAX_BRANCHING) || branching < 2) {
    throw new RangeError(`branching must be a power of two in [2, ${MAX_BRANCHING}], got ${branching}`);
  }
}

/** The bound is checked first: `&` works on 32 bits, and both maxima are far below 2^31. */
function isPowerOfTwoAtMost(n: number, max: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= max && (n & (n - 1)) === 0;
}

/** log2 of a validated power of two. */
export function log2(powerOfTwo: number): number {
  return 31 - Math.clz32(powerOfTwo);
}

/** Merkle anti-entropy's sweeps (anti-entropy.ts): the store config's `antiEntropy` section. */
export interface ExchangeConfig {
  /**
   * Merkle anti-entropy: each node exchanges every partition it owns with one other owner once per interval
   * (a sweep). Shorter heals divergence sooner (the convergence bound is about two intervals) at the price
   * of one round trip per partition per interval even when all is in sync. Riak's AAE default tick: 15 s.
   */
  readonly intervalMs: number;
  /** Most keys one exchange repairs (both directions); the rest wait for the next sweep. */
  readonly maxKeys: number;
  /** Exchanges a sweep runs at once: the repair load anti-entropy may add next to client traffic. */
  readonly concurrency: number;
  /**
   * Keys anti-entropy may repair per second on this node (a token bucket, burst = one second's worth), so a
   * large divergence is repaired at a steady pace instead of starving client requests.
   */
  readonly maxKeysPerSecond: number;
}

/** The store's Merkle trees (partition-trees.ts): the store config's `merkle` section. */
export interface TreesConfig {
  /**
   * Leaves (segments) of each partition's Merkle tree, a power of two; equal on every node. More segments
   * mean fewer keys shipped per difference and more hashes per full walk (docs/antientropy.md).
   */
  readonly segments: number;
  /**
   * Merkle trees kept in memory per node at most (about 16 bytes × merkleSegments each: 17 KiB at 1024).
   * Past it the least recently used tree is dropped and rebuilt from storage when next exchanged, so memory
   * stays bounded whatever the data's spread, at the cost of scans when more partitions hold data than fit.
   */
  readonly maxTrees: number;
}

export function defaultExchangeConfig(): ExchangeConfig {
  return { intervalMs: 30_000, maxKeys: 1000, concurrency: 2, maxKeysPerSecond: 5000 };
}

export function defaultTreesConfig(): TreesConfig {
  return { segments: DEFAULT_SEGMENTS, maxTrees: DEFAULT_MAX_TREES };
}

export function exchangeConfigErrors(c: ExchangeConfig, prefix = 'antiEntropy.'): readonly string[] {
  const p = new ConfigProblems(prefix);
  p.int('intervalMs', c.intervalMs, 1);
  p.int('maxKeys', c.maxKeys, 1);
  p.int('concurrency', c.concurrency, 1, 64);
  p.int('maxKeysPerSecond', c.maxKeysPerSecond, 1);
  return p.list;
}

export function treesConfigErrors(c: TreesConfig, prefix = 'merkle.'): readonly string[] {
  const p = new ConfigProblems(prefix);
  p.check(
    isPowerOfTwoAtMost(c.segments, MAX_SEGMENTS),
    `segments must be a power of two in [1, ${MAX_SEGMENTS}], got ${c.segments}`,
  );
  p.int('maxTrees', c.maxTrees, 1);
  return p.list;
}
