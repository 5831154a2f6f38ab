import { DEFAULT_MAX_TREES, type MerkleConfig, merkleConfig } from './config.js';
import { MerkleTree } from './merkle-tree.js';

/** A namespace name (the storage layer's `Namespace`, kept structural so this layer imports nothing above it). */
type Namespace = string;

/** One stored key of a partition as a scan yields it: its canonical set bytes, or a record that does not decode. */
export type TreeEntry =
  | { readonly ok: true; readonly key: Uint8Array; readonly setBytes: Uint8Array }
  | { readonly ok: false };

/** What the trees read: a scan of one partition (the replica's `iteratePartition`). */
export interface PartitionScanner {
  iteratePartition(ns: Namespace, partition: number): AsyncIterable<TreeEntry>;
}

/** One stored change, with each side's canonical set bytes (the replica's change listener shape). */
export type TreeChangeListener = (
  ns: Namespace,
  partition: number,
  key: Uint8Array,
  before: { readonly bytes: Uint8Array } | undefined,
  after: { readonly bytes: Uint8Array } | undefined,
) => void;

/** Rebuild attempts while writes keep landing in the partition being built, before giving up for now. */
const MAX_BUILD_ATTEMPTS = 3;

interface Slot {
  tree: MerkleTree | undefined;
  /** Changes seen while a build was running: that build missed or double-counted them, so it is redone. */
  changedDuringBuild: boolean;
  building: Promise<MerkleTree> | undefined;
}

/** Where a partition's data lives and which partitions hold any (the replica's partition index). */
export interface TreeSource {
  readonly replica: () => PartitionScanner;
  /** False only if the partition certainly holds nothing here: its tree is the empty tree, never built. */
  readonly holds: (ns: Namespace, partition: number) => boolean;
  /** A built tree came out empty, or became empty: the partition may be unlisted (storage is checked). */
  readonly onEmpty?: (ns: Namespace, partition: number) => void;
}

export interface PartitionTreesConfig extends MerkleConfig {
  /**
   * Trees kept in memory at most (about 17 KiB each at 1024 segments, so 4096 ≈ 70 MiB). Past it the least
   * recently used tree is dropped and rebuilt from storage when an exchange next needs it: memory stays
   * bounded whatever the number of namespaces, at the cost of storage scans when the working set is larger.
   */
  readonly maxTrees: number;
}

/**
 * The Merkle tree of every (namespace, partition) this replica holds data in, for anti-entropy (DESIGN.md §10,
 * docs/antientropy.md). A tree is built from storage the first time an exchange needs it (after a restart,
 * or for a partition never exchanged), and from then on follows every stored change through the replica's
 * change listener, so an exchange never scans storage. Version bytes are the canonical set encoding, equal on
 * every replica holding the same set (the replica hands them over; nothing is encoded twice).
 *
 * Memory follows data (issue #12): a partition that holds nothing answers with one shared empty tree, a tree
 * whose last key goes is dropped, and at most `maxTrees` trees are kept (least recently used go first).
 */
export class PartitionTrees {
  readonly config: MerkleConfig;
  readonly maxTrees: number;
  readonly #source: TreeSource;
  /** In least-recently-used order: `tree` moves a slot to the end. */
  readonly #slots = new Map<string, Slot>();
  /** Never updated: every empty partition shares it. */
  readonly #empty: MerkleTree;
  #evicted = 0;

  constructor(source: TreeSource, config: Partial<PartitionTreesConfig> = {}) {
    this.#source = source;
    const { maxTrees = DEFAULT_MAX_TREES, ...merkle } = config;
    if (!Number.isInteger(maxTrees) || maxTrees < 1)
      throw new RangeError(`maxTrees must be >= 1, got ${maxTrees}`);
    this.maxTrees = maxTrees;
    this.config = merkleConfig(merkle);
    this.#empty = new MerkleTree(this.config);
  }

  /** The replica's change listener. */
  readonly onChange: TreeChangeListener = (ns, partition, key, before, after) => {
    const k = slotKey(ns, partition);
    const slot = this.#slots.get(k);
    if (slot === undefined) return; // not built yet: the build from storage will see this change
    if (slot.building !== undefined) slot.changedDuringBuild = true;
    const tree = slot.tree;
    if (tree === undefined) return;
    tree.update(key, before?.bytes, after?.bytes);
    if (tree.size === 0 && slot.building === undefined) {
      this.#slots.delete(k);
      this.#source.onEmpty?.(ns, partition);
    }
  };

  /** Trees held in memory (for metrics and /cluster/convergence). */
  get built(): number {
    let n = 0;
    for (const s of this.#slots.values()) if (s.tree !== undefined) n++;
    return n;
  }

  /** Trees dropped to stay within `maxTrees` so far. */
  get evicted(): number {
    return this.#evicted;
  }

  /** The partition's tree, built from storage first if needed. Concurrent callers share one build. */
  tree(ns: Namespace, partition: number): Promise<MerkleTree> {
    const key = slotKey(ns, partition);
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      if (!this.#source.holds(ns, partition)) return Promise.resolve(this.#empty);
      slot = { tree: undefined, changedDuringBuild: false, building: undefined };
    } else {
      this.#slots.delete(key);
    }
    this.#slots.set(key, slot);
    if (slot.tree !== undefined && slot.building === undefined) return Promise.resolve(slot.tree);
    const s = slot;
    s.building ??= this.#build(ns, partition, s).finally(() => {
      s.building = undefined;
    });
    return s.building;
  }

  /** Forget a tree (a corrupt record was found, or for tests): the next `tree` rebuilds it from storage. */
  invalidate(ns: Namespace, partition: number): void {
    this.#slots.delete(slotKey(ns, partition));
  }

  async #build(ns: Namespace, partition: number, slot: Slot): Promise<MerkleTree> {
    const key = slotKey(ns, partition);
    for (let attempt = 1; ; attempt++) {
      slot.changedDuringBuild = false;
      // Updates during the scan go to the old tree (if any) and flag the scan as unreliable.
      const fresh = new MerkleTree(this.config);
      for await (const e of this.#source.replica().iteratePartition(ns, partition)) {
        if (e.ok) fresh.update(e.key, undefined, e.setBytes);
      }
      if (!slot.changedDuringBuild || attempt >= MAX_BUILD_ATTEMPTS) {
        // After the last attempt a tree that may be off by a few keys is still useful: a wrong segment only
        // causes a spurious (harmless) repair; it is rebuilt on the next invalidate.
        if (this.#slots.get(key) !== slot) return fresh; // invalidated or evicted meanwhile: answer, keep nothing
        if (slot.changedDuringBuild) this.#slots.delete(key);
        else if (fresh.size === 0) {
          this.#slots.delete(key);
          this.#source.onEmpty?.(ns, partition);
          return this.#empty;
        } else {
          slot.tree = fresh;
          this.#evict();
        }
        return fresh;
      }
    }
  }

  /** Drops least recently used built trees (never one being built) until at most `maxTrees` remain. */
  #evict(): void {
    let excess = this.built - this.maxTrees;
    for (const [k, s] of this.#slots) {
      if (excess <= 0) return;
      if (s.tree === undefined || s.building !== undefined) continue;
      this.#slots.delete(k);
      this.#evicted++;
      excess--;
    }
  }
}

function slotKey(ns: Namespace, partition: number): string {
  return `${partition}:${ns}`;
}
