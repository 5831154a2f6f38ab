import { type MerkleConfig, merkleConfig } from '../antientropy/config.js';
import { MerkleTree } from '../antientropy/merkle-tree.js';
import type { Replica, ReplicaChangeListener } from '../replica/replica.js';
import type { Namespace } from '../storage/storage.js';

/** Rebuild attempts while writes keep landing in the partition being built, before giving up for now. */
const MAX_BUILD_ATTEMPTS = 3;

interface Slot {
  tree: MerkleTree | undefined;
  /** Changes seen while a build was running: that build missed or double-counted them, so it is redone. */
  changedDuringBuild: boolean;
  building: Promise<MerkleTree> | undefined;
}

/**
 * The Merkle tree of every (namespace, partition) this replica holds, for anti-entropy (DESIGN.md §10,
 * docs/antientropy.md). A tree is built from storage the first time an exchange needs it (after a restart,
 * or for a partition never exchanged), and from then on follows every stored change through the replica's
 * change listener, so an exchange never scans storage. Version bytes are the canonical set encoding, equal on
 * every replica holding the same set (the replica hands them over; nothing is encoded twice).
 */
export class PartitionTrees {
  readonly config: MerkleConfig;
  readonly #replica: () => Replica;
  readonly #slots = new Map<string, Slot>();

  /** `replica` is a getter: the replica is built with this object's `onChange` as its listener. */
  constructor(replica: () => Replica, config: Partial<MerkleConfig> = {}) {
    this.#replica = replica;
    this.config = merkleConfig(config);
  }

  /** The replica's change listener. */
  readonly onChange: ReplicaChangeListener = (ns, partition, key, before, after) => {
    const slot = this.#slots.get(slotKey(ns, partition));
    if (slot === undefined) return; // not built yet: the build from storage will see this change
    if (slot.building !== undefined) slot.changedDuringBuild = true;
    slot.tree?.update(key, before?.bytes, after?.bytes);
  };

  /** Trees built so far (for metrics and /cluster/convergence). */
  get built(): number {
    let n = 0;
    for (const s of this.#slots.values()) if (s.tree !== undefined) n++;
    return n;
  }

  /** The partition's tree, built from storage first if needed. Concurrent callers share one build. */
  tree(ns: Namespace, partition: number): Promise<MerkleTree> {
    const key = slotKey(ns, partition);
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      slot = { tree: undefined, changedDuringBuild: false, building: undefined };
      this.#slots.set(key, slot);
    }
    if (slot.tree !== undefined && slot.building === undefined) return Promise.resolve(slot.tree);
    slot.building ??= this.#build(ns, partition, slot).finally(() => {
      if (slot !== undefined) slot.building = undefined;
    });
    return slot.building;
  }

  /** Forget a tree (a corrupt record was found, or for tests): the next `tree` rebuilds it from storage. */
  invalidate(ns: Namespace, partition: number): void {
    this.#slots.delete(slotKey(ns, partition));
  }

  async #build(ns: Namespace, partition: number, slot: Slot): Promise<MerkleTree> {
    for (let attempt = 1; ; attempt++) {
      slot.changedDuringBuild = false;
      // Updates during the scan go to the old tree (if any) and flag the scan as unreliable.
      const fresh = new MerkleTree(this.config);
      for await (const e of this.#replica().iteratePartition(ns, partition)) {
        if (e.ok) fresh.update(e.key, undefined, e.setBytes);
      }
      if (!slot.changedDuringBuild || attempt >= MAX_BUILD_ATTEMPTS) {
        // After the last attempt a tree that may be off by a few keys is still useful: a wrong segment only
        // causes a spurious (harmless) repair; it is rebuilt on the next invalidate.
        slot.tree = fresh;
        if (slot.changedDuringBuild) this.#slots.delete(slotKey(ns, partition));
        return fresh;
      }
    }
  }
}

function slotKey(ns: Namespace, partition: number): string {
  return `${partition}:${ns}`;
}
