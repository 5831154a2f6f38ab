/** A partition between two groups of node indexes. Sides are dense arrays: one load per check. */
interface Partition {
  readonly id: number;
  /** side[i] = 1 for group A, 2 for group B, 0 (or out of range) for neither. */
  readonly side: Uint8Array;
  readonly oneWay: boolean;
}

/** A handle to one partition, for healing it alone. */
export type PartitionId = number;

/**
 * Active network partitions, like the VOPR's partition modes. A two-way partition blocks A → B and B → A;
 * a one-way partition blocks only A → B (an asymmetric failure: B hears A's silence but A hears B). Several
 * partitions may be active at once; a link is blocked if any of them blocks it.
 */
export class PartitionSet {
  private active: Partition[] = [];
  private nextId = 1;

  get size(): number {
    return this.active.length;
  }

  add(groupA: readonly number[], groupB: readonly number[], oneWay: boolean): PartitionId {
    const n = Math.max(0, ...groupA, ...groupB) + 1;
    const side = new Uint8Array(n);
    for (const i of groupA) side[i] = 1;
    for (const i of groupB) {
      if (side[i] === 1) throw new RangeError(`node index ${i} is on both sides of a partition`);
      side[i] = 2;
    }
    const id = this.nextId++;
    this.active.push({ id, side, oneWay });
    return id;
  }

  /** Heals one partition, or all of them when `id` is omitted. */
  heal(id?: PartitionId): void {
    this.active = id === undefined ? [] : this.active.filter((p) => p.id !== id);
  }

  /** Whether from → to is cut. Callers skip this when `size` is 0. */
  blocks(from: number, to: number): boolean {
    for (const p of this.active) {
      const a = p.side[from];
      const b = p.side[to];
      if (a === 1 && b === 2) return true;
      if (!p.oneWay && a === 2 && b === 1) return true;
    }
    return false;
  }
}
