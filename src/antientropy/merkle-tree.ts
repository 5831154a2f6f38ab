import { type MerkleConfig, merkleConfig } from './config.js';
import {
  HASH_WORDS,
  hashToBytes,
  keyBytes,
  segmentOfKey,
  writeNodeHash,
  xorEntryHash,
} from './merkle-hash.js';
import { TreeShape } from './tree-shape.js';

/** A key as stored (bytes) or as a string (hashed as UTF-8). */
export type MerkleKey = Uint8Array | string;

/**
 * The Merkle tree of one partition's keys (DESIGN.md §10), kept up to date on every write so an exchange
 * never has to scan storage. Pure: no I/O, no clock, no randomness.
 *
 * Leaves (segments) are the XOR of their entries' 128-bit hashes (`merkle-hash.ts`), so `update` is O(1)
 * and the result does not depend on the order of writes. Inner nodes are recomputed lazily: an update
 * marks the segment's ancestors dirty and the next read of an inner level (`root`, `hashesAt`) rehashes
 * only dirty nodes, so k updates between two exchanges cost O(k) plus at most one rehash per dirty node.
 *
 * The tree does not store keys or versions: `update` must be told the version it replaces, exactly as it
 * was added. A wrong `oldVersion` corrupts the segment silently (until a `build` from storage); the
 * exchange would then see, and repair, a spurious difference, never hide a real one.
 *
 * Memory: one Uint32Array per level, 16 bytes per node (17 KiB for the default 1024 segments), plus one
 * dirty byte per inner node.
 */
export class MerkleTree {
  readonly config: MerkleConfig;
  readonly shape: TreeShape;
  /** nodes[l] holds level l's hashes, HASH_WORDS words each; nodes[leafLevel] are the segments. */
  readonly #nodes: Uint32Array[];
  /** dirty[l][i] = 1 iff inner node (l, i) is stale. A dirty node's ancestors are always dirty too. */
  readonly #dirty: Uint8Array[];
  /** The dirty nodes of each inner level, so a flush touches only them. */
  readonly #dirtyLists: number[][];
  /** shifts[l] = log2(fan-out of level l), cached off the shape for the per-update path. */
  readonly #shifts: number[];
  /** Keys in the tree: adds minus removes, as `update` was told them. */
  #size = 0;

  constructor(config: Partial<MerkleConfig> = {}) {
    this.config = merkleConfig(config);
    this.shape = new TreeShape(this.config);
    this.#nodes = [];
    this.#dirty = [];
    this.#dirtyLists = [];
    this.#shifts = [];
    for (let l = 0; l < this.shape.levels; l++) {
      const width = this.shape.widthOf(l);
      this.#nodes.push(new Uint32Array(width * HASH_WORDS));
      if (l < this.shape.leafLevel) {
        this.#dirty.push(new Uint8Array(width));
        this.#dirtyLists.push([]);
        this.#shifts.push(this.shape.shiftOf(l));
      }
    }
  }

  /** A tree of `entries` (keys unique, as a storage scan yields them): a rebuild from storage. */
  static build(
    entries: Iterable<readonly [MerkleKey, Uint8Array]>,
    config: Partial<MerkleConfig> = {},
  ): MerkleTree {
    const tree = new MerkleTree(config);
    for (const [key, version] of entries) tree.update(key, undefined, version);
    return tree;
  }

  /** Number of levels, root and segments included. */
  get levels(): number {
    return this.shape.levels;
  }

  /** The segment holding `key`. */
  segmentOf(key: MerkleKey): number {
    return segmentOfKey(keyBytes(key), this.config.segments);
  }

  /**
   * Records that `key` went from `oldVersion` to `newVersion` (undefined = absent): a put is
   * (undefined, v), an overwrite or merge (v₀, v₁), a delete from storage (v, undefined). Versions are
   * opaque bytes that two replicas holding the same data produce identically: `encodeSet(set)` or a digest
   * of it, never the stored record (its local timestamp differs between replicas).
   */
  update(key: MerkleKey, oldVersion?: Uint8Array, newVersion?: Uint8Array): void {
    if (oldVersion === undefined && newVersion === undefined) return;
    if (oldVersion === undefined) this.#size++;
    else if (newVersion === undefined) this.#size--;
    const bytes = keyBytes(key);
    const segment = segmentOfKey(bytes, this.config.segments);
    const leaves = this.#nodes[this.shape.leafLevel] as Uint32Array;
    const offset = segment * HASH_WORDS;
    if (oldVersion !== undefined) xorEntryHash(leaves, offset, bytes, oldVersion);
    if (newVersion !== undefined) xorEntryHash(leaves, offset, bytes, newVersion);
    this.#markDirty(segment);
  }

  /** Keys the tree holds (a tree of no keys is the empty tree whatever happened before). */
  get size(): number {
    return this.#size;
  }

  /** The root hash (16 bytes; all zeros for an empty tree). */
  root(): Uint8Array {
    return this.hashesAt(0, [0])[0] as Uint8Array;
  }

  /** Copies of the hashes of nodes `indexes` on `level` (16 bytes each), in the order asked. */
  hashesAt(level: number, indexes: readonly number[]): Uint8Array[] {
    for (const index of indexes) this.shape.checkNode(level, index);
    this.#flush(level);
    const words = this.#nodes[level] as Uint32Array;
    return indexes.map((index) => hashToBytes(words, index * HASH_WORDS));
  }

  /** Indexes (on level + 1) of the children of node `index` on `level`; empty for a segment. */
  childrenOf(level: number, index: number): number[] {
    return this.shape.childrenOf(level, index);
  }

  /** Back to the empty tree (e.g. before a rebuild from storage). */
  clear(): void {
    for (const words of this.#nodes) words.fill(0);
    for (const flags of this.#dirty) flags.fill(0);
    for (const list of this.#dirtyLists) list.length = 0;
    this.#size = 0;
  }

  /**
   * Same config and same segment hashes (hence the same tree). Exact, O(segments): for local use and tests;
   * two nodes compare roots instead.
   */
  equals(other: MerkleTree): boolean {
    if (!this.shape.equals(other.shape)) return false;
    const mine = this.#nodes[this.shape.leafLevel] as Uint32Array;
    const theirs = other.#nodes[other.shape.leafLevel] as Uint32Array;
    for (let i = 0; i < mine.length; i++) if (mine[i] !== theirs[i]) return false;
    return true;
  }

  /** Bytes held by hashes and dirty flags (not counting the small per-level objects). */
  get sizeBytes(): number {
    let total = 0;
    for (const words of this.#nodes) total += words.byteLength;
    for (const flags of this.#dirty) total += flags.byteLength;
    return total;
  }

  /** Marks the segment's ancestors dirty, bottom-up, stopping at the first one already dirty. */
  #markDirty(segment: number): void {
    let index = segment;
    for (let l = this.shape.leafLevel - 1; l >= 0; l--) {
      index >>>= this.#shifts[l] as number;
      const flags = this.#dirty[l] as Uint8Array;
      if (flags[index] === 1) return;
      flags[index] = 1;
      (this.#dirtyLists[l] as number[]).push(index);
    }
  }

  /** Rehashes the dirty nodes on levels leafLevel − 1 … `level`, children before parents. */
  #flush(level: number): void {
    for (let l = this.shape.leafLevel - 1; l >= level; l--) {
      const list = this.#dirtyLists[l] as number[];
      if (list.length === 0) continue;
      const shift = this.#shifts[l] as number;
      const fanout = 1 << shift;
      const words = this.#nodes[l] as Uint32Array;
      const children = this.#nodes[l + 1] as Uint32Array;
      const flags = this.#dirty[l] as Uint8Array;
      for (const index of list) {
        writeNodeHash(children, (index << shift) * HASH_WORDS, fanout, words, index * HASH_WORDS);
        flags[index] = 0;
      }
      list.length = 0;
    }
  }
}
