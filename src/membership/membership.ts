/**
 * The membership driver (DESIGN.md §5): SWIM probing with Lifeguard, rumor dissemination and push/pull
 * anti-entropy, around the pure member table. It owns the timers and the I/O; every rule about who is
 * alive lives in `member-table.ts`, every timeout formula in `timing.ts` and `suspicion.ts`.
 *
 * Modelled on memberlist (state.go, net.go, memberlist.go), with time, randomness and the network
 * injected so a thousand of these run in one process in virtual time.
 */
import {
  checksumToGaugeValue,
  type MembershipMetrics,
  NOOP_MEMBERSHIP_METRICS,
} from '../metrics/membership-metrics.js';
import type { Clock } from '../runtime/clock.js';
import type { Random } from '../runtime/random.js';
import type { Cancel, Scheduler } from '../runtime/scheduler.js';
import {
  type Address,
  formatAddress,
  parseAddress,
  type Transport,
  TransportError,
} from '../transport/transport.js';
import {
  assemblePacket,
  DecodeStats,
  decodePacket,
  type EncodedMessage,
  encodeHeader,
  encodeMessage,
  encodePushPullMessage,
  framedSizeBytes,
  type Keyring,
  type OpenOptions,
  openPacket,
  type PingReq,
  type PushPull,
  SealStats,
  sealOverheadBytes,
  sealPacket,
  type UserEvent,
  type Versions,
  type WireMessage,
} from '../wire/index.js';
import { AckHandlers } from './ack-handlers.js';
import { Awareness } from './awareness.js';
import { BroadcastQueue } from './broadcast-queue.js';
import { type MembershipConfig, validateMembershipConfig } from './config.js';
import { type MemberState, type NodeId, nodeId } from './member.js';
import type {
  Member,
  MemberEventKind,
  MemberMeta,
  MembershipMessage,
  MemberTableAction,
  RemoteMemberState,
} from './member-events.js';
import { type ForceLeaveResult, MemberTable, type SetMetaResult } from './member-table.js';
import { Suspicion } from './suspicion.js';
import { pushPullScaleMs, suspicionConfirmationsNeeded, suspicionTimeoutMs } from './timing.js';
import { UserEventLog } from './user-events.js';
import {
  encodedAlive,
  encodedPushNodeState,
  fromPushNodeState,
  fromWire,
  toWire,
  wireVersions,
} from './wire-mapping.js';

/** Bytes a piggybacked message costs beyond its own: the field tag and a length varint (≤ 16 KiB). */
const PER_MESSAGE_OVERHEAD_BYTES = 3;

/** hearsay has no push/pull user state (Serf's delegate state); the field stays empty. */
const NO_USER_STATE = new Uint8Array(0);

export interface MembershipComponents {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly random: Random;
  readonly transport: Transport;
  /** DNS for seed names, resolved at every join attempt. Default: the host itself (IP literals only). */
  readonly resolve?: (host: string) => Promise<readonly string[]>;
  readonly metrics?: MembershipMetrics;
}

export interface MembershipInit {
  /** Unique node name (memberlist Config.Name). */
  readonly name: string;
  /** Packets from other clusters are dropped and counted. */
  readonly cluster: string;
  readonly config: MembershipConfig;
  readonly zone?: string;
  readonly meta?: MemberMeta;
  /** The address others reach us at; default: the transport's local address. */
  readonly advertiseAddr?: Address;
  /** Starting incarnation (tests); memberlist starts at 1 and refutation lifts it past older records. */
  readonly incarnation?: number;
  /**
   * AES-256-GCM keys (memberlist SecretKey + Keyring): every packet and stream frame is sealed with the
   * primary key, and any installed key opens. The caller may rotate keys on this object while running.
   */
  readonly keyring?: Keyring;
  /** Cluster label, authenticated with the packet (memberlist Label): nodes with another label are dropped. */
  readonly label?: string;
  /**
   * With a keyring, drop plaintext input (memberlist GossipVerifyIncoming, default true). Turn it off while
   * rolling encryption out to a running cluster.
   */
  readonly requireEncryption?: boolean;
  /**
   * Members to start with, as a converged cluster would report them (a member-table snapshot): adopted at
   * construction without events or broadcasts, since they are not news to anyone. Probes and push/pull
   * correct whatever is stale. The simulator uses it to start a large cluster already converged
   * (`npm run bench -- membership --warm`): building 10,000 members' views by a join storm costs hours of CPU.
   */
  readonly knownMembers?: readonly RemoteMemberState[];
}

export type MembershipEvent =
  | { readonly kind: MemberEventKind; readonly member: Member }
  | { readonly kind: 'user'; readonly name: string; readonly payload: Uint8Array; readonly ltime: number };

export interface JoinResult {
  /** Seeds (resolved addresses) that answered the push/pull. */
  readonly contacted: number;
  readonly errors: readonly string[];
}

interface ProbeState {
  acked: boolean;
  nacks: number;
  expectedNacks: number;
}

export class Membership {
  readonly name: NodeId;
  readonly decodeStats = new DecodeStats();
  readonly sealStats = new SealStats();
  private readonly c: MembershipComponents;
  private readonly cfg: MembershipConfig;
  private readonly cluster: string;
  private readonly versions: Versions;
  private readonly headerBytes: Uint8Array;
  private readonly mtuBytes: number;
  private readonly metrics: MembershipMetrics;
  private readonly seal: OpenOptions;
  private readonly table: MemberTable;
  private readonly queue: BroadcastQueue;
  private readonly awareness: Awareness;
  private readonly acks: AckHandlers;
  private readonly suspicions = new Map<NodeId, Suspicion>();
  private readonly listeners = new Set<(e: MembershipEvent) => void>();
  /** Periodic loops (gossip, reap). */
  private readonly loops: Cancel[] = [];
  /** Pending one-shot timers; each removes itself when it fires, so stop() cancels exactly what is pending. */
  private readonly oneShots = new Set<Cancel>();
  private readonly userEvents = new UserEventLog();
  private seqNo = 0;
  private probeList: NodeId[] = [];
  private probeIndex = 0;
  /**
   * Gossip targets (memberlist gossip(): alive, suspect, or dead/left within gossipToTheDeadTimeMs), cached
   * until a member event or until the first dead member's window closes. Only `addr` is read from these
   * records, and an address changes only with an `update` event.
   */
  private gossipTargets: Member[] | null = null;
  private gossipTargetsUntilMs = 0;
  private running = false;
  private stopped = false;
  private leaveDone: (() => void) | null = null;

  constructor(components: MembershipComponents, init: MembershipInit) {
    const problems = validateMembershipConfig(init.config);
    if (problems.length > 0) throw new RangeError(`invalid membership config: ${problems.join('; ')}`);
    const addr = init.advertiseAddr ?? components.transport.localAddress;
    if (parseAddress(addr) === null) throw new RangeError(`advertise address "${addr}" is not host:port`);
    this.c = components;
    this.cfg = init.config;
    this.cluster = init.cluster;
    this.name = nodeId(init.name);
    this.metrics = components.metrics ?? NOOP_MEMBERSHIP_METRICS;
    this.versions = wireVersions(init.config.protocolVersion);
    this.headerBytes = encodeHeader({ cluster: init.cluster, sender: init.name });
    this.seal = {
      keyring: init.keyring,
      label: init.label,
      requireEncryption: init.requireEncryption ?? true,
      stats: this.sealStats,
    };
    this.mtuBytes =
      Math.min(init.config.udpBufferSizeBytes, components.transport.maxPacketBytes) -
      sealOverheadBytes(this.seal);
    this.table = new MemberTable({
      local: { id: this.name, addr, zone: init.zone ?? '', meta: init.meta ?? {} },
      ...(init.incarnation === undefined ? {} : { incarnation: init.incarnation }),
      nowMs: components.clock.now(),
      deadNodeReclaimTimeMs: init.config.deadNodeReclaimTimeMs,
    });
    if (init.knownMembers !== undefined) this.table.restore(init.knownMembers, components.clock.now());
    this.queue = new BroadcastQueue({
      retransmitMult: init.config.retransmitMult,
      numNodes: () => this.table.size(),
    });
    this.awareness = new Awareness(init.config.awarenessMaxMultiplier);
    this.acks = new AckHandlers(components.scheduler);
  }

  /** Starts receiving and the probe, gossip, push/pull and reap loops; announces our own alive. */
  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    const { transport, scheduler, random } = this.c;
    transport.onPacket((from, bytes) => this.onPacket(from, bytes));
    transport.onRequest((from, bytes) => this.onRequest(from, bytes));
    this.enqueue(this.table.localAlive());
    // A random first offset keeps nodes started together from probing in lock-step (memberlist schedule()).
    this.later(random.next() * this.cfg.probeIntervalMs, () => this.probeTick());
    if (this.cfg.gossipIntervalMs > 0) {
      this.loops.push(scheduler.every(this.cfg.gossipIntervalMs, () => this.gossip()));
    }
    if (this.cfg.pushPullIntervalMs > 0) this.schedulePushPull();
    this.loops.push(scheduler.every(this.cfg.reapIntervalMs, () => this.reap()));
    if (this.cfg.reconnectIntervalMs > 0) {
      this.loops.push(
        scheduler.every(
          this.cfg.reconnectIntervalMs,
          () => this.reconnect(),
          this.cfg.reconnectIntervalMs / 10,
        ),
      );
    }
    // Gauges are sampled, not updated per message: counting states is O(n) and scrapes are seconds apart.
    if (this.metrics !== NOOP_MEMBERSHIP_METRICS) {
      this.loops.push(scheduler.every(this.cfg.metricsIntervalMs, () => this.updateGauges()));
      this.updateGauges();
    }
  }

  /** Stops every timer and pending probe; the transport stays open (the composition root owns it). */
  stop(): void {
    this.stopped = true;
    this.running = false;
    for (const t of this.loops.splice(0)) t();
    for (const t of this.oneShots) t();
    this.oneShots.clear();
    for (const s of this.suspicions.values()) s.stop();
    this.suspicions.clear();
    this.acks.clear();
    this.leaveDone?.();
  }

  /**
   * Contacts each seed by push/pull (join = true), resolving names each time. Returns how many answered;
   * memberlist's Join returns the same count and an error only when it is zero.
   */
  async join(seeds: readonly string[]): Promise<JoinResult> {
    const errors: string[] = [];
    let contacted = 0;
    for (const seed of seeds) {
      const parsed = parseAddress(seed);
      if (parsed === null) {
        errors.push(`${seed}: not host:port`);
        continue;
      }
      let hosts: readonly string[];
      try {
        hosts = this.c.resolve === undefined ? [parsed.host] : await this.c.resolve(parsed.host);
      } catch (err) {
        errors.push(`${seed}: cannot resolve: ${(err as Error).message}`);
        continue;
      }
      for (const host of hosts) {
        const addr = formatAddress(host, parsed.port);
        if (addr === this.table.local().addr) continue;
        const outcome = await this.pushPull(addr, true);
        if (outcome === null) contacted++;
        else errors.push(`${addr}: ${outcome}`);
      }
    }
    return { contacted, errors };
  }

  /**
   * Joins with retries: exponential backoff from joinRetryIntervalMs up to joinRetryMaxIntervalMs, at most
   * joinMaxAttempts attempts (0 = until stopped), like Serf's retry_join.
   */
  async joinWithRetry(seeds: readonly string[]): Promise<JoinResult> {
    let waitMs = this.cfg.joinRetryIntervalMs;
    for (let attempt = 1; ; attempt++) {
      const r = await this.join(seeds);
      if (r.contacted > 0 || this.stopped) return r;
      if (this.cfg.joinMaxAttempts > 0 && attempt >= this.cfg.joinMaxAttempts) return r;
      await new Promise<void>((resolve) => this.later(waitMs, resolve));
      if (this.stopped) return r;
      waitMs = Math.min(waitMs * 2, this.cfg.joinRetryMaxIntervalMs);
    }
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
        new Promise<void>((resolve) => this.later(this.cfg.leaveTimeoutMs, resolve)),
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
    return this.queue.numQueued();
  }

  onEvent(listener: (e: MembershipEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Replaces our metadata and gossips it at a higher incarnation (memberlist UpdateNode). */
  /** Operator's force-leave of a failed member (MemberTable.forceLeave); applied and gossiped at once. */
  forceLeave(name: string): ForceLeaveResult {
    const r = this.table.forceLeave(name as NodeId, this.c.clock.now());
    if (r.ok) this.apply(r.actions);
    return r;
  }

  setMeta(meta: MemberMeta): SetMetaResult {
    const r = this.table.setLocalMeta(meta, this.cfg.maxMetaBytes, this.c.clock.now());
    if (r.ok) this.apply(r.actions);
    return r;
  }

  /** Gossips a user event to every member (Serf user events: Lamport-timed, delivered at least once). */
  sendUserEvent(name: string, payload: Uint8Array): void {
    this.handleUserEvent(this.userEvents.create(name, payload));
  }

  private onPacket(from: Address, bytes: Uint8Array): void {
    if (!this.running) return;
    this.metrics.packetIn(bytes.length);
    const opened = this.open(bytes);
    if (opened === null) return;
    const d = decodePacket(opened, {
      cluster: this.cluster,
      maxBytes: this.c.transport.maxPacketBytes,
      stats: this.decodeStats,
    });
    if (!d.ok) {
      this.metrics.packetDropped(d.error.kind);
      return;
    }
    for (const m of d.envelope.messages) this.handleMessage(from, m);
  }

  private handleMessage(from: Address, m: WireMessage): void {
    switch (m.type) {
      case 'ping':
        // Answer only for our own name: a node that took a dead node's address must not vouch for it.
        if (m.node === this.name)
          this.send(from, { type: 'ack', seqNo: m.seqNo, payload: new Uint8Array(0) });
        else this.metrics.packetDropped('ping-wrong-node');
        return;
      case 'ack':
        this.acks.ack(m.seqNo);
        return;
      case 'nack':
        this.acks.nack(m.seqNo);
        return;
      case 'pingReq':
        this.handleIndirectPing(from, m);
        return;
      case 'alive':
        this.apply(this.table.handle(fromWire(m), this.c.clock.now()));
        return;
      case 'suspect':
      case 'dead': {
        const actions = this.table.handle(fromWire(m), this.c.clock.now());
        this.apply(actions);
        // An accusation about us at an incarnation we already refuted: its sender missed our refutation
        // (every copy lost) and will declare us dead when its timer runs out. Tell it directly. memberlist
        // ignores such stale accusations; under loss that lets one node's suspicion run to the end.
        const a = actions[0];
        if (m.node === this.name && a?.type === 'ignored' && a.reason === 'stale-incarnation') {
          this.send(from, toWire(this.table.localAlive(), this.versions));
        }
        return;
      }
      case 'userEvent':
        this.handleUserEvent(m);
        return;
      case 'pushPull':
        // Full state travels only over the stream channel; a datagram claiming to be one is noise.
        this.metrics.packetDropped('unexpected-push-pull');
        return;
    }
  }

  /** memberlist handleIndirectPing: probe the target for the requester and relay the ack (or a nack). */
  private handleIndirectPing(from: Address, req: PingReq): void {
    const seqNo = this.nextSeqNo();
    let answered = false;
    const timeoutMs = this.cfg.probeTimeoutMs;
    this.acks.add(
      seqNo,
      {
        onAck: () => {
          answered = true;
          this.send(from, { type: 'ack', seqNo: req.seqNo, payload: new Uint8Array(0) });
        },
      },
      timeoutMs,
      () => {
        // Lifeguard §4.3: tell the requester we tried and heard nothing, so it can tell "target down" from
        // "my own network is bad" (missing nacks raise its awareness score).
        if (!answered && req.nack) this.send(from, { type: 'nack', seqNo: req.seqNo });
      },
    );
    const target = formatAddress(req.targetAddr, req.targetPort);
    this.send(target, { type: 'ping', seqNo, node: req.node });
  }

  private handleUserEvent(ev: UserEvent): void {
    if (!this.userEvents.witness(ev)) return;
    this.queue.enqueue({ bytes: encodeMessage(ev) });
    this.emit({ kind: 'user', name: ev.name, payload: ev.payload, ltime: ev.ltime });
  }

  private async onRequest(from: Address, bytes: Uint8Array): Promise<Uint8Array> {
    if (!this.running) throw new Error('membership is not running');
    const remote = this.decodePushPull(bytes);
    if (typeof remote === 'string') {
      this.metrics.pushPull('received', 'error');
      throw new Error(`bad push/pull request from ${from}: ${remote}`);
    }
    // memberlist sends its own state before merging the remote one, so both sides exchange the same snapshot.
    const response = this.encodePushPull(false);
    this.apply(this.table.mergeRemoteState(remote.nodes.map(fromPushNodeState), this.c.clock.now()));
    this.metrics.pushPull('received', 'ok');
    return response;
  }

  private probeTick(): void {
    if (!this.running) return;
    // Lifeguard §4.1: a node that misses acks or gets refutations is probably the slow one; it probes less
    // often and waits longer, instead of accusing others.
    const intervalMs = this.awareness.scaleTimeout(this.cfg.probeIntervalMs);
    this.later(intervalMs, () => this.probeTick());
    const target = this.nextProbeTarget();
    if (target !== undefined) this.probe(target, intervalMs);
  }

  /** memberlist probe(): round-robin over a shuffled list, reshuffled after each full pass. */
  private nextProbeTarget(): Member | undefined {
    for (let tries = 0; tries < 2; tries++) {
      while (this.probeIndex < this.probeList.length) {
        const id = this.probeList[this.probeIndex++] as NodeId;
        const m = this.table.get(id);
        if (m !== undefined && id !== this.name && (m.state === 'alive' || m.state === 'suspect')) return m;
      }
      this.probeList = this.c.random.shuffle([...this.table.probeTargets()]);
      this.probeIndex = 0;
    }
    return undefined;
  }

  /** memberlist probeNode: ping, then ping-req through indirectChecks peers, then suspect. */
  private probe(target: Member, intervalMs: number): void {
    const { clock, random } = this.c;
    const seqNo = this.nextSeqNo();
    const startMs = clock.now();
    const state: ProbeState = { acked: false, nacks: 0, expectedNacks: 0 };
    let indirect = false;
    this.acks.add(
      seqNo,
      {
        onAck: () => {
          state.acked = true;
          this.awareness.applyDelta(-1);
          this.metrics.probe(indirect ? 'indirect-ack' : 'ack');
          this.metrics.probeDuration(clock.now() - startMs);
        },
        onNack: () => {
          state.nacks++;
        },
      },
      intervalMs,
    );
    const ping: WireMessage = { type: 'ping', seqNo, node: target.id };
    // Lifeguard buddy system: a suspect learns of its suspicion from the prober itself, at once.
    if (target.state === 'suspect') {
      const suspect = toWire(
        { type: 'suspect', id: target.id, incarnation: target.incarnation, from: this.name },
        this.versions,
      );
      this.send(target.addr, ping, [suspect]);
    } else {
      this.send(target.addr, ping);
    }

    const probeTimeoutMs = this.awareness.scaleTimeout(this.cfg.probeTimeoutMs);
    this.later(probeTimeoutMs, () => {
      if (state.acked || !this.running) return;
      indirect = true;
      const peers = random.pick(
        this.cfg.indirectChecks,
        this.members().filter((m) => m.id !== this.name && m.id !== target.id && m.state === 'alive'),
      );
      const { host, port } = parseAddress(target.addr) as { host: string; port: number };
      state.expectedNacks = peers.length;
      for (const peer of peers) {
        this.send(peer.addr, {
          type: 'pingReq',
          seqNo,
          node: target.id,
          targetAddr: host,
          targetPort: port,
          nack: true,
        });
      }
    });
    this.later(intervalMs, () => {
      this.acks.remove(seqNo);
      if (state.acked || !this.running) return;
      this.metrics.probe('failed');
      this.metrics.probeDuration(clock.now() - startMs);
      // Lifeguard §4.3: every expected nack that did not come suggests our own network is the problem.
      const delta = state.expectedNacks > 0 ? state.expectedNacks - state.nacks : 1;
      if (delta > 0) this.awareness.applyDelta(delta);
      const current = this.table.get(target.id);
      if (current === undefined || (current.state !== 'alive' && current.state !== 'suspect')) return;
      this.apply(
        this.table.handle(
          { type: 'suspect', id: target.id, incarnation: current.incarnation, from: this.name },
          clock.now(),
        ),
      );
    });
  }

  /** memberlist gossip(): send queued rumors to gossipNodes random members, the recently dead included. */
  private gossip(): void {
    if (!this.running || this.queue.numQueued() === 0) return;
    const candidates = this.currentGossipTargets();
    for (const m of this.c.random.pick(this.cfg.gossipNodes, candidates)) {
      const rumors = this.queue.getBroadcasts(
        PER_MESSAGE_OVERHEAD_BYTES,
        this.mtuBytes - this.headerBytes.length,
      ) as EncodedMessage[];
      if (rumors.length === 0) break;
      this.metrics.gossipSent(rumors.length);
      this.sendRaw(m.addr, assemblePacket(this.headerBytes, rumors));
    }
    this.metrics.broadcastQueueDepth(this.queue.numQueued());
  }

  /**
   * Serf's reconnect: push/pull with one random failed member. If it is alive after all (a healed
   * partition, a long pause), the exchange tells each side the other declared it dead, both refute with a
   * higher incarnation, and the next exchange or gossip carries the refutation across.
   */
  private reconnect(): void {
    if (!this.running) return;
    const failed = this.members().filter((m) => m.state === 'dead');
    const target = this.c.random.pick(1, failed)[0];
    if (target !== undefined) void this.pushPull(target.addr, false);
  }

  /**
   * A member that joins goes into the cached gossip targets at its sorted place, which is where a rebuild
   * would put it; any other event rebuilds. In a 10,000-node cluster a rebuild filters 10,000 members, and
   * every node sees every join.
   */
  private updateGossipTargets(kind: MemberEventKind, member: Member): void {
    const cached = this.gossipTargets;
    if (kind !== 'join' || cached === null || member.id === this.name || member.state !== 'alive') {
      this.gossipTargets = null;
      return;
    }
    let lo = 0;
    let hi = cached.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cached[mid] as Member).id < member.id) lo = mid + 1;
      else hi = mid;
    }
    if (cached[lo]?.id === member.id) cached[lo] = member;
    else cached.splice(lo, 0, member);
  }

  private currentGossipTargets(): readonly Member[] {
    const now = this.c.clock.now();
    if (this.gossipTargets !== null && now < this.gossipTargetsUntilMs) return this.gossipTargets;
    let until = Number.POSITIVE_INFINITY;
    this.gossipTargets = this.table.members().filter((m) => {
      if (m.id === this.name) return false;
      if (m.state === 'alive' || m.state === 'suspect') return true;
      const closesAt = (this.table.stateChangeMs(m.id) ?? 0) + this.cfg.gossipToTheDeadTimeMs;
      if (closesAt < now) return false;
      until = Math.min(until, closesAt);
      return true;
    });
    this.gossipTargetsUntilMs = until;
    return this.gossipTargets;
  }

  private schedulePushPull(): void {
    const every = pushPullScaleMs(this.cfg.pushPullIntervalMs, this.table.size());
    const delay = every / 2 + this.c.random.next() * every; // jittered around the interval
    this.later(delay, () => {
      if (!this.running) return;
      const peers = this.members().filter((m) => m.id !== this.name && m.state === 'alive');
      const peer = this.c.random.pick(1, peers)[0];
      if (peer !== undefined) void this.pushPull(peer.addr, false);
      this.schedulePushPull();
    });
  }

  /** One push/pull exchange. Resolves to null on success, or why it failed. */
  private async pushPull(addr: Address, join: boolean): Promise<string | null> {
    const started = this.c.clock.now();
    try {
      const response = await this.c.transport.request(addr, this.encodePushPull(join), this.cfg.tcpTimeoutMs);
      const remote = this.decodePushPull(response);
      if (typeof remote === 'string') throw new Error(remote);
      if (!this.stopped) {
        this.apply(this.table.mergeRemoteState(remote.nodes.map(fromPushNodeState), this.c.clock.now()));
      }
      this.metrics.pushPull('initiated', 'ok');
      this.metrics.pushPullDurationMs(this.c.clock.now() - started);
      return null;
    } catch (err) {
      this.metrics.pushPull('initiated', 'error');
      return err instanceof TransportError ? `${err.code}: ${err.message}` : (err as Error).message;
    }
  }

  private encodePushPull(join: boolean): Uint8Array {
    const nodes = this.table.localState().map((m) => encodedPushNodeState(m, this.versions));
    const plain = assemblePacket(this.headerBytes, [encodePushPullMessage(join, nodes, NO_USER_STATE)]);
    return sealPacket(plain, this.seal);
  }

  /** Opens (label, decryption) and decodes a push/pull frame; a string says why it was refused. */
  private decodePushPull(sealed: Uint8Array): PushPull | string {
    const bytes = this.open(sealed);
    if (bytes === null) return 'bad label or encryption';
    const d = decodePacket(bytes, {
      cluster: this.cluster,
      maxBytes: this.c.transport.maxFrameBytes,
      stats: this.decodeStats,
    });
    if (!d.ok) return `${d.error.kind}: ${d.error.detail}`;
    const m = d.envelope.messages[0];
    if (d.envelope.messages.length !== 1 || m?.type !== 'pushPull') return 'expected one push/pull message';
    return m;
  }

  private apply(actions: readonly MemberTableAction[]): void {
    // Most gossip in a converged cluster is old news: skip the bookkeeping when nothing changed.
    if (actions.length === 1 && actions[0]?.type === 'ignored') return;
    for (const a of actions) {
      switch (a.type) {
        case 'broadcast':
          this.enqueue(a.message, a.leave === true ? () => this.leaveDone?.() : undefined, a.member);
          break;
        case 'refute':
          this.metrics.suspicionRefuted();
          break;
        case 'start-suspicion':
          this.startSuspicion(a.id, a.incarnation, a.from);
          break;
        case 'confirm-suspicion':
          if (this.suspicions.get(a.id)?.confirm(a.from) === true) this.enqueue(a.message);
          break;
        case 'stop-suspicion':
          this.suspicions.get(a.id)?.stop();
          this.suspicions.delete(a.id);
          break;
        case 'event':
          this.updateGossipTargets(a.kind, a.member);
          if (a.kind === 'join') this.metrics.memberJoined();
          else if (a.kind === 'fail') this.metrics.memberFailed();
          else if (a.kind === 'leave') this.metrics.memberLeft();
          this.emit({ kind: a.kind, member: a.member });
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

  /** Lifeguard dynamic suspicion: long with one accuser, shorter with each independent confirmation. */
  private startSuspicion(id: NodeId, incarnation: number, from: NodeId): void {
    this.metrics.suspicionStarted();
    this.suspicions.get(id)?.stop();
    const n = this.table.size();
    const minMs = suspicionTimeoutMs(this.cfg.suspicionMult, n, this.cfg.probeIntervalMs);
    const s = new Suspicion(
      { scheduler: this.c.scheduler, clock: this.c.clock },
      {
        from,
        k: suspicionConfirmationsNeeded(this.cfg.suspicionMult, n),
        minMs,
        maxMs: this.cfg.suspicionMaxTimeoutMult * minMs,
        onTimeout: () => {
          if (this.suspicions.get(id) === s) this.suspicions.delete(id);
          if (this.running) this.apply(this.table.suspicionExpired(id, incarnation, this.c.clock.now()));
        },
      },
    );
    this.suspicions.set(id, s);
  }

  private enqueue(message: MembershipMessage, finished?: () => void, member?: Member): void {
    this.queue.enqueue({
      key: message.id,
      bytes:
        member === undefined
          ? encodeMessage(toWire(message, this.versions))
          : encodedAlive(member, this.versions),
      ...(finished === undefined ? {} : { finished }),
    });
    if (this.queue.numQueued() > this.cfg.broadcastQueueMaxDepth)
      this.queue.prune(this.cfg.broadcastQueueMaxDepth);
  }

  private reap(): void {
    const removed = this.table.reap(
      this.c.clock.now(),
      this.cfg.deadReapTimeoutMs,
      this.cfg.leftReapTimeoutMs,
    );
    if (removed.length > 0) this.gossipTargets = null;
  }

  private emit(e: MembershipEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A listener's bug must not break the protocol loop.
      }
    }
  }

  private updateGauges(): void {
    this.metrics.setMembers(this.table.countByState());
    this.metrics.setChecksum(checksumToGaugeValue(this.table.checksum()));
    this.metrics.setLocalIncarnation(this.table.localIncarnation());
    this.metrics.setHealthScore(this.awareness.score());
    this.metrics.broadcastQueueDepth(this.queue.numQueued());
  }

  /** Sends `msg` (and `extra`) to `to`, filling the datagram's spare room with queued rumors (piggyback). */
  private send(to: Address, msg: WireMessage, extra: readonly WireMessage[] = []): void {
    const encoded = [msg, ...extra].map(encodeMessage);
    let used = this.headerBytes.length;
    for (const e of encoded) used += framedSizeBytes(e.length);
    const room = this.mtuBytes - used;
    const rumors =
      room > PER_MESSAGE_OVERHEAD_BYTES
        ? (this.queue.getBroadcasts(PER_MESSAGE_OVERHEAD_BYTES, room) as EncodedMessage[])
        : [];
    if (rumors.length > 0) this.metrics.gossipSent(rumors.length);
    this.sendRaw(to, assemblePacket(this.headerBytes, [...encoded, ...rumors]));
  }

  private sendRaw(to: Address, plain: Uint8Array): void {
    const packet = sealPacket(plain, this.seal);
    const r = this.c.transport.sendPacket(to, packet);
    if (r.ok) this.metrics.packetOut(packet.length);
    else this.metrics.packetDropped(`send-${r.error}`);
  }

  /** Label check and decryption (memberlist label.go, security.go); failures are dropped and counted. */
  private open(bytes: Uint8Array): Uint8Array | null {
    const r = openPacket(bytes, this.seal);
    if (r.ok) return r.plain;
    this.metrics.packetDropped(r.error);
    return null;
  }

  private nextSeqNo(): number {
    this.seqNo = (this.seqNo + 1) >>> 0;
    return this.seqNo;
  }

  /** A one-shot timer that stop() cancels if it has not fired yet. */
  private later(delayMs: number, fn: () => void): void {
    const cancel = this.c.scheduler.after(delayMs, () => {
      this.oneShots.delete(cancel);
      fn();
    });
    this.oneShots.add(cancel);
  }
}
