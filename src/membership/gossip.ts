/**
 * Rumor mongering (memberlist `state.go` gossip) and Serf's reconnect. Every GossipInterval the queued
 * rumors go to GossipNodes random members — alive, suspect, or dead/left for gossipToTheDeadTime, so a
 * wrongly declared member still hears of it and refutes. Every ReconnectInterval one random failed member
 * gets a push/pull, which is what merges a healed partition.
 */

import type { Clock } from '../runtime/clock.js';
import type { Random } from '../runtime/random.js';
import type { NodeId } from './member.js';
import type { Member, MemberEventKind } from './member-events.js';
import { indexById, type MemberTable } from './member-table.js';
import type { MembershipMetrics } from './membership-metrics.js';
import type { PacketIO } from './packet-io.js';
import type { PushPullSync } from './push-pull.js';

export interface GossipComponents {
  readonly clock: Clock;
  readonly random: Random;
  readonly table: MemberTable;
  readonly packets: PacketIO;
  readonly metrics: MembershipMetrics;
  /** Reconnect's exchange; it does not wait for the answer. */
  readonly pushPull: Pick<PushPullSync, 'exchange'>;
}

export interface GossipInit {
  readonly self: NodeId;
  /** memberlist `GossipNodes`. */
  readonly gossipNodes: number;
  /** memberlist `GossipToTheDeadTime`. */
  readonly gossipToTheDeadTimeMs: number;
}

export class Gossip {
  private readonly c: GossipComponents;
  private readonly init: GossipInit;
  /**
   * Gossip targets, cached until a member event or until the first dead member's window closes. Only
   * `addr` is read from these records, and an address changes only with an `update` event.
   */
  private targets: Member[] | null = null;
  private targetsUntilMs = 0;

  constructor(components: GossipComponents, init: GossipInit) {
    this.c = components;
    this.init = init;
  }

  /** One gossip round: queued rumors to gossipNodes random targets, while there are rumors left. */
  round(): void {
    const { packets, metrics } = this.c;
    if (packets.queued() === 0) return;
    for (const m of this.c.random.pick(this.init.gossipNodes, this.currentTargets())) {
      if (!packets.sendRumors(m.addr)) break;
    }
    metrics.broadcastQueueDepth(packets.queued());
  }

  /**
   * Serf's reconnect: push/pull with one random failed member. If it is alive after all (a healed
   * partition, a long pause), the exchange tells each side the other declared it dead, both refute with a
   * higher incarnation, and the next exchange or gossip carries the refutation across.
   */
  reconnect(): void {
    const failed = this.c.table.members().filter((m) => m.state === 'dead');
    const target = this.c.random.pick(1, failed)[0];
    if (target !== undefined) void this.c.pushPull.exchange(target.addr, false);
  }

  /**
   * A member that joins goes into the cached targets at its sorted place, which is where a rebuild would put
   * it; any other event rebuilds. In a 10,000-node cluster a rebuild filters 10,000 members, and every node
   * sees every join.
   */
  memberChanged(kind: MemberEventKind, member: Member): void {
    const cached = this.targets;
    if (kind !== 'join' || cached === null || member.id === this.init.self || member.state !== 'alive') {
      this.targets = null;
      return;
    }
    const i = indexById(cached, member.id);
    if (cached[i]?.id === member.id) cached[i] = member;
    else cached.splice(i, 0, member);
  }

  /** Reaped members leave the targets. */
  membersRemoved(): void {
    this.targets = null;
  }

  private currentTargets(): readonly Member[] {
    const now = this.c.clock.now();
    if (this.targets !== null && now < this.targetsUntilMs) return this.targets;
    const { table } = this.c;
    let until = Number.POSITIVE_INFINITY;
    this.targets = table.members().filter((m) => {
      if (m.id === this.init.self) return false;
      if (m.state === 'alive' || m.state === 'suspect') return true;
      const closesAt = (table.stateChangeMs(m.id) ?? 0) + this.init.gossipToTheDeadTimeMs;
      if (closesAt < now) return false;
      until = Math.min(until, closesAt);
      return true;
    });
    this.targetsUntilMs = until;
    return this.targets;
  }
}
