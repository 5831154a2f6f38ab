/**
 * Who owns a partition (DESIGN.md §6), computed from the gossiped membership view alone, so every node that
 * has converged on the same view computes the same owners — no ring state of its own to gossip, unlike
 * riak_core's claimed ring. Owners are the top-N members by rendezvous weight, spread across zones first;
 * the preference list continues past them with fallbacks for sloppy quorums (riak_core_apl: primaries,
 * then fallbacks standing in for unavailable primaries).
 *
 * A Ring is immutable: build a new one when the view changes and `diff` the two to drive handoff.
 */

import type { MemberState, NodeId } from '../membership/member.js';
import type { Member } from '../membership/member-events.js';
import { defaultRingConfig, type RingConfig, validatePartitionCount } from './config.js';
import { type PartitionId, partitionId, partitionOf } from './partition.js';
import { weightsFor } from './rendezvous.js';

/** Whether a preference-list entry is one of the N owners or a stand-in beyond them. */
export type ReplicaRole = 'primary' | 'fallback';

export interface PreferenceEntry {
  readonly node: NodeId;
  readonly role: ReplicaRole;
}

/** How one partition's owner set changed between two rings: `added` must receive it, `removed` hand it off. */
export interface OwnershipChange {
  readonly partition: PartitionId;
  readonly added: readonly NodeId[];
  readonly removed: readonly NodeId[];
}

/** The `/cluster/ring` JSON (DESIGN.md §13). */
export interface RingDescription {
  readonly partitions: number;
  readonly replicas: number;
  readonly members: readonly {
    readonly id: NodeId;
    readonly zone: string;
    readonly state: MemberState;
    readonly primaries: number;
  }[];
  readonly owners: readonly { readonly partition: PartitionId; readonly owners: readonly NodeId[] }[];
}

/** DESIGN.md §6: alive-or-suspect members own; a suspect may only be slow, so it keeps its partitions. */
function isEligible(member: Member): boolean {
  return member.state === 'alive' || member.state === 'suspect';
}

/** Code-unit order: locale-independent, so every node sorts ids identically. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function validateReplicas(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer, got ${n}`);
}

export class Ring {
  /** Q. */
  readonly partitions: number;
  /** Eligible members sorted by id: the input order must not matter. */
  private readonly eligible: readonly Member[];
  private readonly byId: ReadonlyMap<NodeId, number>;
  /** Per eligible member (same index), its rendezvous weight for every partition. */
  private readonly weights: readonly Float64Array[];
  private readonly zoneCount: number;
  /** Lazily computed, per partition: eligible indexes by descending weight. */
  private readonly orders: (Int32Array | undefined)[];

  constructor(members: readonly Member[], config: RingConfig = defaultRingConfig()) {
    validatePartitionCount(config.partitions);
    this.partitions = config.partitions;
    const seen = new Set<NodeId>();
    for (const m of members) {
      // Two records for one name would make the owners depend on which one we kept.
      if (seen.has(m.id)) throw new RangeError(`duplicate member id ${m.id}`);
      seen.add(m.id);
    }
    this.eligible = members.filter(isEligible).sort((a, b) => compareIds(a.id, b.id));
    this.byId = new Map(this.eligible.map((m, i) => [m.id, i]));
    this.weights = this.eligible.map((m) => weightsFor(m.id, this.partitions));
    this.zoneCount = new Set(this.eligible.map((m) => m.zone)).size;
    this.orders = new Array<Int32Array | undefined>(this.partitions).fill(undefined);
  }

  /** The members that own partitions (alive or suspect), sorted by id. */
  members(): readonly Member[] {
    return this.eligible;
  }

  /** The eligible member named `id`, if any. */
  member(id: NodeId): Member | undefined {
    const i = this.byId.get(id);
    return i === undefined ? undefined : this.eligible[i];
  }

  /** The partition holding `key` in this ring. */
  partitionOf(key: Uint8Array | string): PartitionId {
    return partitionOf(key, this.partitions);
  }

  /**
   * The N primaries of `partition`: min(n, eligible) distinct members. Zone-aware: walking members by
   * descending weight, first take the best member of each zone not yet used, until N are chosen or every
   * zone is; then fill with the best remaining members. So replicas land in min(N, zones) distinct zones,
   * and owners[0] is always the highest-weight member. Order is selection order (the coordinator prefers
   * earlier entries).
   */
  owners(partition: PartitionId, n: number): readonly NodeId[] {
    return this.selectOwners(partition, n).map((i) => (this.eligible[i] as Member).id);
  }

  /**
   * Primaries, then up to `extra` fallbacks: the next members by descending weight that are not primaries.
   * Only alive-or-suspect members appear at all, so dead or departed members are never fallbacks. A
   * coordinator sends to the first N entries it can reach, hinting writes held by fallbacks (sloppy quorum).
   */
  preferenceList(partition: PartitionId, n: number, extra: number): readonly PreferenceEntry[] {
    validateReplicas('extra', extra);
    const primaries = this.selectOwners(partition, n);
    const out: PreferenceEntry[] = primaries.map((i) => ({
      node: (this.eligible[i] as Member).id,
      role: 'primary',
    }));
    const taken = new Set(primaries);
    let fallbacks = 0;
    for (const i of this.order(partition)) {
      if (fallbacks === extra) break;
      if (taken.has(i)) continue;
      out.push({ node: (this.eligible[i] as Member).id, role: 'fallback' });
      fallbacks++;
    }
    return out;
  }

  /** Partitions (ascending) for which `id` is one of the N primaries; empty when `id` is not eligible. */
  ownedBy(id: NodeId, n: number): readonly PartitionId[] {
    const index = this.byId.get(id);
    if (index === undefined) return [];
    const out: PartitionId[] = [];
    for (let p = 0; p < this.partitions; p++) {
      const partition = p as PartitionId;
      if (this.selectOwners(partition, n).includes(index)) out.push(partition);
    }
    return out;
  }

  /** The ring as JSON for `/cluster/ring`: every partition's owners plus each member's primary count. */
  describe(n: number): RingDescription {
    const counts = new Array<number>(this.eligible.length).fill(0);
    const owners: { partition: PartitionId; owners: readonly NodeId[] }[] = [];
    for (let p = 0; p < this.partitions; p++) {
      const partition = p as PartitionId;
      const selected = this.selectOwners(partition, n);
      for (const i of selected) counts[i] = (counts[i] ?? 0) + 1;
      owners.push({ partition, owners: selected.map((i) => (this.eligible[i] as Member).id) });
    }
    return {
      partitions: this.partitions,
      replicas: n,
      members: this.eligible.map((m, i) => ({
        id: m.id,
        zone: m.zone,
        state: m.state,
        primaries: counts[i] ?? 0,
      })),
      owners,
    };
  }

  private checkPartition(partition: PartitionId): void {
    partitionId(partition, this.partitions);
  }

  /** Eligible indexes by descending weight for `partition`; ties (odds ~2^-52) go to the smaller id. */
  private order(partition: PartitionId): Int32Array {
    this.checkPartition(partition);
    const cached = this.orders[partition];
    if (cached !== undefined) return cached;
    const order = Int32Array.from(this.eligible.keys());
    // Eligible is id-sorted, so a smaller index is a smaller id.
    order.sort((a, b) => {
      const wa = (this.weights[a] as Float64Array)[partition] as number;
      const wb = (this.weights[b] as Float64Array)[partition] as number;
      return wb - wa || a - b;
    });
    this.orders[partition] = order;
    return order;
  }

  private selectOwners(partition: PartitionId, n: number): readonly number[] {
    validateReplicas('n', n);
    const order = this.order(partition);
    const want = Math.min(n, order.length);
    const picked: number[] = [];
    const usedZones = new Set<string>();
    // Pass 1: the best member of each zone, in weight order, until N or every zone is represented.
    for (const i of order) {
      if (picked.length === want || usedZones.size === this.zoneCount) break;
      const zone = (this.eligible[i] as Member).zone;
      if (usedZones.has(zone)) continue;
      usedZones.add(zone);
      picked.push(i);
    }
    // Pass 2: fill by weight; with fewer zones than N some zone must hold two replicas.
    if (picked.length < want) {
      const taken = new Set(picked);
      for (const i of order) {
        if (picked.length === want) break;
        if (!taken.has(i)) picked.push(i);
      }
    }
    return picked;
  }
}

/**
 * Per partition whose owner set changed between `oldRing` and `newRing` (ascending by partition): members
 * that became owners (they must receive the partition) and members that stopped being owners (they hand it
 * off, then drop it). Rings must have the same Q; comparing different key spaces is a programmer error.
 */
export function diff(oldRing: Ring, newRing: Ring, n: number): readonly OwnershipChange[] {
  if (oldRing.partitions !== newRing.partitions) {
    throw new RangeError(`cannot diff rings of ${oldRing.partitions} and ${newRing.partitions} partitions`);
  }
  const changes: OwnershipChange[] = [];
  for (let p = 0; p < oldRing.partitions; p++) {
    const partition = p as PartitionId;
    const before = oldRing.owners(partition, n);
    const after = newRing.owners(partition, n);
    const added = after.filter((id) => !before.includes(id));
    const removed = before.filter((id) => !after.includes(id));
    if (added.length > 0 || removed.length > 0) changes.push({ partition, added, removed });
  }
  return changes;
}
