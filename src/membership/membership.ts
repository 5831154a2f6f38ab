/**
 * The membership façade (DESIGN.md §5): SWIM probing with Lifeguard, rumor dissemination and push/pull
 * anti-entropy around the pure member table. It builds the mechanisms, starts and stops them, interprets
 * the member table's actions and answers queries; each mechanism lives in its own file, as memberlist's do:
 *
 * - `member-table.ts`  who is alive (state.go aliveNode/suspectNode/deadNode, pure)
 * - `probe-core.ts`    one probe round (state.go probeNode, pure); `prober.ts` drives it
 * - `packet-io.ts`     datagrams: piggyback, seal/open, dispatch (net.go)
 * - `gossip.ts`        rumor rounds and reconnect (state.go gossip; Serf)
 * - `push-pull.ts`     full-state exchange (state.go pushPull, net.go handleConn)
 * - `suspicion-timers.ts`, `awareness.ts`, `broadcast-queue.ts`, `user-events.ts`
 * - `membership-init.ts` what a Membership is built from (components and init)
 *
 * Time, randomness and the network are injected, so a thousand of these run in one process in virtual time.
 */

import { SILENT_LOGGER } from '../runtime/logger.js';
import type { Cancel } from '../runtime/scheduler.js';
import { type Address, parseAddress } from '../transport/transport.js';
import type { Alive, Dead, DecodeStats, SealStats, Suspect, UserEvent } from '../wire/index.js';
import { Awareness } from './awareness.js';
import { BroadcastQueue } from './broadcast-queue.js';
import { type MembershipConfig, validateMembershipConfig } from './config.js';
import { Gossip } from './gossip.js';
import { type JoinResult, joinSeeds, retryJoin } from './join.js';
import { type MemberState, type NodeId, nodeId } from './member.js';
import type {
  Member,
  MemberEventKind,
  MemberMeta,
  MembershipMessage,
  MemberTableAction,
} from './member-events.js';
import { type ForceLeaveResult, MemberTable, type SetMetaResult } from './member-table.js';
import type { MembershipComponents, MembershipInit } from './membership-init.js';
import {
  checksumToGaugeValue,
  type MembershipMetrics,
  NOOP_MEMBERSHIP_METRICS,
} from './membership-metrics.js';
import { type MessageHandlers, PacketIO } from './packet-io.js';
import { Prober } from './prober.js';
import { PushPullSync } from './push-pull.js';
import { SuspicionTimers } from './suspicion-timers.js';
import { TimerSet } from './timer-set.js';
import { UserEventLog } from './user-events.js';
import { fromWire, toWire, wireVersions } from './wire-mapping.js';

/** Re-exported: importers of the façade find its inputs here too. */
export type { MembershipComponents, MembershipInit } from './membership-init.js';

export type MembershipEvent =
  | { readonly kind: MemberEventKind; readonly member: Member }
  | { readonly kind: 'user'; readonly name: string; readonly payload: Uint8Array; readonly ltime: number };

export type { JoinResult } from './join.js';

export class Membership {
  readonly name: NodeId;
  readonly decodeStats: DecodeStats;
  readonly sealStats: SealStats;
  private readonly c: MembershipComponents;
  private readonly cfg: MembershipConfig;
  private readonly metrics: MembershipMetrics;
  private readonly table: MemberTable;
  private readonly awareness: Awareness;
  private readonly timers: TimerSet;
  private readonly packets: PacketIO;
  private readonly prober: Prober;
  private readonly gossip: Gossip;
  private readonly pushPull: PushPullSync;
  private readonly suspicions: SuspicionTimers;
  private readonly handlers: MessageHandlers;
  private readonly listeners = new Set<(e: MembershipEvent) => void>();
  /** Periodic loops (gossip, reap, reconnect, gauges). */
  private readonly loops: Cancel[] = [];
  private readonly userEvents = new UserEventLog();
  private running = false;
  private stopped = false;
  private leaveDone: (() => void) | null = null;

  constructor(components: MembershipComponents, init: MembershipInit) {
    const problems = validateMembershipConfig(init.config);
    if (problems.length > 0) throw new RangeError(`invalid membership config: ${problems.join('; ')}`);
    const addr = init.advertiseAddr ?? components.transport.localAddress;
    if (parseAddress(addr) === null) throw new RangeError(`advertise address "${addr}" is not host:port`);
    const cfg = init.config;
    const { clock, scheduler, random, transport } = components;
    this.c = components;
    this.cfg = cfg;
    this.name = nodeId(init.name);
    const metrics = components.metrics ?? NOOP_MEMBERSHIP_METRICS;
    this.metrics = metrics;
    const table = new MemberTable({
      local: { id: this.name, addr, zone: init.zone ?? '', meta: init.meta ?? {} },
      ...(init.incarnation === undefined ? {} : { incarnation: init.incarnation }),
      nowMs: clock.now(),
      deadNodeReclaimTimeMs: cfg.deadNodeReclaimTimeMs,
    });
    if (init.knownMembers !== undefined) table.restore(init.knownMembers, clock.now());
    this.table = table;
    const queue = new BroadcastQueue({ retransmitMult: cfg.retransmitMult, numNodes: () => table.size() });
    this.awareness = new Awareness(cfg.awarenessMaxMultiplier);
    this.timers = new TimerSet(scheduler);
    const packets = new PacketIO(
      { transport, metrics, queue },
      {
        name: init.name,
        cluster: init.cluster,
        versions: wireVersions(cfg.protocolVersion),
        seal: {
          keyring: init.keyring,
          label: init.label,
          requireEncryption: init.requireEncryption ?? true,
        },
        udpBufferSizeBytes: cfg.udpBufferSizeBytes,
        broadcastQueueMaxDepth: cfg.broadcastQueueMaxDepth,
      },
    );
    this.packets = packets;
    this.decodeStats = packets.decodeStats;
    this.sealStats = packets.sealStats;
    const timers = this.timers;
    this.prober = new Prober(
      {
        clock,
        scheduler,
        random,
        timers,
        table,
        packets,
        awareness: this.awareness,
        metrics,
        suspect: (m) => this.onNews(m),
      },
      { self: this.name, config: cfg },
    );
    this.pushPull = new PushPullSync(
      { clock, random, transport, timers, table, packets, metrics, apply: (a) => this.apply(a) },
      cfg,
    );
    this.gossip = new Gossip(
      { clock, random, table, packets, metrics, pushPull: this.pushPull },
      { self: this.name, gossipNodes: cfg.gossipNodes, gossipToTheDeadTimeMs: cfg.gossipToTheDeadTimeMs },
    );
    this.suspicions = new SuspicionTimers(
      {
        clock,
        scheduler,
        numNodes: () => table.size(),
        expired: (id, incarnation) => {
          if (this.running) this.apply(table.suspicionExpired(id, incarnation, clock.now()));
        },
      },
      cfg,
    );
    const prober = this.prober;
    this.handlers = {
      ping: (from, m) => prober.onPing(from, m),
      ack: (_, m) => prober.onAck(m.seqNo),
      nack: (_, m) => prober.onNack(m.seqNo),
      pingReq: (from, m) => prober.onPingReq(from, m),
      member: (from, m) => this.onMemberMessage(from, m),
      userEvent: (_, m) => this.handleUserEvent(m),
    };
  }

  /** Starts receiving and the probe, gossip, push/pull and reap loops; announces our own alive. */
  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    const { transport, scheduler } = this.c;
    const cfg = this.cfg;
    transport.onPacket((from, bytes) => {
      if (this.running) this.packets.receive(from, bytes, this.handlers);
    });
    transport.onRequest(async (from, bytes) => {
      if (!this.running) throw new Error('membership is not running');
      return this.pushPull.answer(from, bytes);
    });
    this.packets.broadcast(this.table.localAlive());
    // The order below fixes the order of random draws, which simulated runs replay from their seed.
    this.prober.start();
    if (cfg.gossipIntervalMs > 0)
      this.loops.push(scheduler.every(cfg.gossipIntervalMs, () => this.gossip.round()));
    if (cfg.pushPullIntervalMs > 0) this.pushPull.start();
    this.loops.push(scheduler.every(cfg.reapIntervalMs, () => this.reap()));
    if (cfg.reconnectIntervalMs > 0) {
      const jitterMs = cfg.reconnectIntervalMs / 10;
      this.loops.push(scheduler.every(cfg.reconnectIntervalMs, () => this.gossip.reconnect(), jitterMs));
    }
    // Gauges are sampled, not updated per message: counting states is O(n) and scrapes are seconds apart.
    if (this.metrics !== NOOP_MEMBERSHIP_METRICS) {
      this.loops.push(scheduler.every(cfg.metricsIntervalMs, () => this.updateGauges()));
      this.updateGauges();
    }
  }

  /** Stops every timer and pending probe; the transport stays open (the composition root owns it). */
  stop(): void {
    this.stopped = true;
    this.running = false;
    for (const t of this.loops.splice(0)) t();
    this.prober.stop();
    this.pushPull.stop();
    this.timers.cancelAll();
    this.suspicions.stopAll();
    this.leaveDone?.();
  }

  /**
   * Contacts each seed by push/pull (join = true), resolving names each time; returns how many answered.
   * Works before start() too: the exchange merges what the seed knows.
   */
  join(seeds: readonly string[]): Promise<JoinResult> {
    const exchange = (addr: Address, join: boolean) => this.pushPull.exchange(addr, join);
    return joinSeeds({ resolve: this.c.resolve, exchange, localAddr: this.table.local().addr }, seeds);
  }

  /** join() with retries and exponential backoff (Serf's retry_join), until someone answers or we stop. */
  joinWithRetry(seeds: readonly string[]): Promise<JoinResult> {
    const sleep = (ms: number) => new Promise<void>((resolve) => this.timers.after(ms, resolve));
    const log = this.c.logger ?? SILENT_LOGGER;
    return retryJoin(
      {
        sleep,
        stopped: () => this.stopped,
        failed: (attempt, r, retryInMs) =>
          log.warn({ attempt, errors: r.errors, retryInMs }, 'no seed answered the join attempt'),
      },
      this.cfg,
      () => this.join(seeds),
    );
  }

  /**
   * Graceful leave (memberlist Leave): gossip our `left`, wait until it has been transmitted enough (or
   * leaveTimeoutMs), then stop. Others show us as `left`, not `failed`.
   */
  async leave(): Promise<void> {
    if (this.stopped) return;
    const others = this.table.members().some((m) => m.id !== this.name && m.state === 'alive');
    const sent = new Promise<void>((resolve) => {
      this.leaveDone = resolve;
    });
    this.apply(this.table.leave(this.c.clock.now()));
    if (others) {
      await Promise.race([
        sent,
        new Promise<void>((resolve) => this.timers.after(this.cfg.leaveTimeoutMs, resolve)),
      ]);
    }
    this.stop();
  }

  /** Every known member, ourselves included, sorted by name. */
  members(): readonly Member[] {
    // The table hands out its sorted array without copying (copy on write), so no cache is needed here.
    return this.table.members();
  }

  member(id: string): Member | undefined {
    return this.table.get(id as NodeId);
  }

  local(): Member {
    return this.table.local();
  }

  /** Hash of the sorted (id, incarnation, state) view: equal on every node once membership converged. */
  checksum(): string {
    return this.table.checksum();
  }

  countByState(): Readonly<Record<MemberState, number>> {
    return this.table.countByState();
  }

  /** Lifeguard local health score (0 = healthy). */
  healthScore(): number {
    return this.awareness.score();
  }

  /** Rumors waiting to be gossiped. */
  queuedBroadcasts(): number {
    return this.packets.queued();
  }

  onEvent(listener: (e: MembershipEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Operator's force-leave of a failed member (MemberTable.forceLeave); applied and gossiped at once. */
  forceLeave(name: string): ForceLeaveResult {
    const r = this.table.forceLeave(name as NodeId, this.c.clock.now());
    if (r.ok) this.apply(r.actions);
    return r;
  }

  /** Replaces our metadata and gossips it at a higher incarnation (memberlist UpdateNode). */
  setMeta(meta: MemberMeta): SetMetaResult {
    const r = this.table.setLocalMeta(meta, this.cfg.maxMetaBytes, this.c.clock.now());
    if (r.ok) this.apply(r.actions);
    return r;
  }

  /** Gossips a user event to every member (Serf user events: Lamport-timed, delivered at least once). */
  sendUserEvent(name: string, payload: Uint8Array): void {
    this.handleUserEvent(this.userEvents.create(name, payload));
  }

  /** alive, suspect and dead from a datagram: news for the member table. */
  private onMemberMessage(from: Address, m: Alive | Suspect | Dead): void {
    const actions = this.onNews(fromWire(m));
    // An accusation about us at an incarnation we already refuted: its sender missed our refutation (every
    // copy lost) and will declare us dead when its timer runs out. Tell it directly. memberlist ignores such
    // stale accusations; under loss that lets one node's suspicion run to the end.
    const a = actions[0];
    if (
      m.type !== 'alive' &&
      m.node === this.name &&
      a?.type === 'ignored' &&
      a.reason === 'stale-incarnation'
    ) {
      this.packets.send(from, toWire(this.table.localAlive(), this.packets.versions));
    }
  }

  /** Applies one message to the member table (from the wire, or a failed probe's suspicion). */
  private onNews(m: MembershipMessage): readonly MemberTableAction[] {
    const actions = this.table.handle(m, this.c.clock.now());
    this.apply(actions);
    return actions;
  }

  private handleUserEvent(ev: UserEvent): void {
    if (!this.userEvents.witness(ev)) return;
    this.packets.broadcastUserEvent(ev);
    this.emit({ kind: 'user', name: ev.name, payload: ev.payload, ltime: ev.ltime });
  }

  /** The interpreter of the member table's actions. */
  private apply(actions: readonly MemberTableAction[]): void {
    // Most gossip in a converged cluster is old news: skip the bookkeeping when nothing changed.
    if (actions.length === 1 && actions[0]?.type === 'ignored') return;
    for (const a of actions) {
      switch (a.type) {
        case 'broadcast':
          this.packets.broadcast(
            a.message,
            a.leave === true ? () => this.leaveDone?.() : undefined,
            a.member,
          );
          break;
        case 'refute':
          this.metrics.suspicionRefuted();
          break;
        case 'start-suspicion':
          this.metrics.suspicionStarted();
          this.suspicions.start(a.id, a.incarnation, a.from);
          break;
        case 'confirm-suspicion':
          if (this.suspicions.confirm(a.id, a.from)) this.packets.broadcast(a.message);
          break;
        case 'stop-suspicion':
          this.suspicions.stop(a.id);
          break;
        case 'event':
          this.memberEvent(a.kind, a.member);
          break;
        case 'awareness':
          this.awareness.applyDelta(a.delta);
          break;
        case 'conflict':
          this.metrics.packetDropped('name-conflict');
          break;
        case 'ignored':
          break;
      }
    }
  }

  private memberEvent(kind: MemberEventKind, member: Member): void {
    this.gossip.memberChanged(kind, member);
    if (kind === 'join') this.metrics.memberJoined();
    else if (kind === 'fail') this.metrics.memberFailed();
    else if (kind === 'leave') this.metrics.memberLeft();
    this.emit({ kind, member });
  }

  private reap(): void {
    const { deadReapTimeoutMs, leftReapTimeoutMs } = this.cfg;
    const removed = this.table.reap(this.c.clock.now(), deadReapTimeoutMs, leftReapTimeoutMs);
    if (removed.length > 0) this.gossip.membersRemoved();
  }

  private emit(e: MembershipEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        // A listener's bug must not break the protocol loop; it is logged, not swallowed.
        (this.c.logger ?? SILENT_LOGGER).warn({ err, event: e.kind }, 'a membership event listener threw');
      }
    }
  }

  private updateGauges(): void {
    this.metrics.setMembers(this.table.countByState());
    this.metrics.setChecksum(checksumToGaugeValue(this.table.checksum()));
    this.metrics.setLocalIncarnation(this.table.localIncarnation());
    this.metrics.setHealthScore(this.awareness.score());
    this.metrics.broadcastQueueDepth(this.packets.queued());
  }
}
