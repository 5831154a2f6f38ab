import type { MemberState, NodeId } from '../membership/member.js';
import type { Member } from '../membership/member-events.js';
import type { RingConfig } from './config.js';
import type { PartitionId } from './partition.js';
import { Ring, type RingDescription } from './ring.js';

/** One replica a request goes to; `hintFor` marks a fallback standing in for an unreachable primary. */
export interface ReplicaTarget {
  readonly node: NodeId;
  readonly hintFor?: NodeId;
}

/**
 * Which nodes hold a key, computed from the membership view (DESIGN.md §6) but stable across failures,
 * like Riak's ring and Dynamo's §4.8.1: a crashed or partitioned member keeps its partitions (requests
 * skip it, onto fallbacks when sloppy quorums are on), and only an explicit change — a join, or a graceful
 * leave — moves ownership. Placing over live members only would move a partition's home on every false
 * suspicion, so a quorum written before it and a quorum read after it need not intersect.
 *
 * A member that failed stays an owner until it leaves (its own leave, or an operator's force-leave, both
 * seen here as `left`); one reaped from the membership table after a long death stays an owner too.
 */
export class Placement {
  readonly #config: RingConfig;
  /** Every owner-eligible member by id, as last seen; failed ones included. */
  readonly #known = new Map<NodeId, Member>();
  /** Ids currently alive or suspect in the membership view. */
  #up = new Set<NodeId>();
  #ring: Ring;
  #ringKey = '';

  /** Told of every owner added or removed, so the owner set can be kept on disk across restarts. */
  readonly #persist: (change: { readonly added?: Member; readonly removed?: NodeId }) => void;

  constructor(
    config: RingConfig,
    persist: (change: { readonly added?: Member; readonly removed?: NodeId }) => void = () => {},
  ) {
    this.#config = config;
    this.#persist = persist;
    this.#ring = new Ring([], config);
  }

  /**
   * Owners remembered from before a restart (Riak keeps its ring file for the same reason): a node that comes
   * back must place keys like the others before its new membership view has filled in, or it would write to
   * and read from the wrong replicas. They count as down until membership sees them.
   */
  restore(owners: readonly Member[]): void {
    for (const m of owners) if (!this.#known.has(m.id)) this.#known.set(m.id, { ...m, state: 'dead' });
    this.#rebuildIfChanged();
  }

  get partitions(): number {
    return this.#config.partitions;
  }

  /** Feed the current membership view (cheap when nothing that matters changed). */
  observe(members: readonly Member[]): void {
    const up = new Set<NodeId>();
    for (const m of members) {
      const before = this.#known.get(m.id);
      if (m.state === 'left') {
        if (before !== undefined) {
          this.#known.delete(m.id);
          this.#persist({ removed: m.id });
        }
      } else {
        this.#known.set(m.id, m);
        if (before === undefined || before.zone !== m.zone || before.addr !== m.addr)
          this.#persist({ added: m });
      }
      if (m.state === 'alive' || m.state === 'suspect') up.add(m.id);
    }
    // Reaped from the view but still an owner: show it as dead, not as its last state.
    for (const [id, m] of this.#known) {
      if (!members.some((x) => x.id === id) && m.state !== 'dead')
        this.#known.set(id, { ...m, state: 'dead' });
    }
    this.#up = up;
    this.#rebuildIfChanged();
  }

  /** The membership state last seen for an owner (`dead` for one reaped from the view meanwhile). */
  stateOf(id: NodeId): MemberState | undefined {
    return this.#known.get(id)?.state;
  }

  isUp(id: NodeId): boolean {
    return this.#up.has(id);
  }

  /** The ring over every owner (failed ones included), for describing placement. */
  ring(): Ring {
    return this.#ring;
  }

  /** `/cluster/ring`: every partition's N owners, with each owner's real membership state. */
  describe(n: number): RingDescription {
    const d = this.#ring.describe(n);
    return { ...d, members: d.members.map((m) => ({ ...m, state: this.stateOf(m.id) ?? m.state })) };
  }

  partitionOf(key: Uint8Array): PartitionId {
    return this.#ring.partitionOf(key);
  }

  /** The N primaries of a partition, reachable or not. */
  primaries(partition: PartitionId, n: number): readonly NodeId[] {
    return this.#ring.owners(partition, n);
  }

  /**
   * Where a request for `partition` goes: the primaries that are up, and — with `sloppy` — for each primary
   * that is down the next up node of the preference list, carrying a hint for it (riak_core_apl
   * get_apl_ann: primaries, then fallbacks in order).
   */
  targets(partition: PartitionId, n: number, sloppy: boolean): readonly ReplicaTarget[] {
    const pref = this.#ring.preferenceList(partition, n, sloppy ? this.#known.size : 0);
    const out: ReplicaTarget[] = [];
    const down: NodeId[] = [];
    for (const e of pref) {
      if (e.role === 'primary') {
        if (this.#up.has(e.node)) out.push({ node: e.node });
        else down.push(e.node);
      } else if (down.length > 0 && this.#up.has(e.node)) {
        out.push({ node: e.node, hintFor: down.shift() as NodeId });
      }
    }
    return out;
  }

  /** The ring once `id` is gone: where a leaving node hands its data before it leaves. */
  ringWithout(id: NodeId): Ring {
    return new Ring(
      [...this.#known.values()].filter((m) => m.id !== id).map((m) => ({ ...m, state: 'alive' as const })),
      this.#config,
    );
  }

  #rebuildIfChanged(): void {
    const owners = [...this.#known.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const key = owners.map((m) => `${m.id}\u0000${m.zone}`).join('\u0001');
    if (key === this.#ringKey) return;
    this.#ringKey = key;
    // The ring places over alive-or-suspect members; every known owner counts here, reachable or not.
    this.#ring = new Ring(
      owners.map((m) => ({ ...m, state: 'alive' as const })),
      this.#config,
    );
  }
}
