import type { Random } from '../runtime/random.js';
import { seededRandom } from '../runtime/random.js';
import type { Cancel, Scheduler } from '../runtime/scheduler.js';
import { VirtualClock, VirtualTime } from '../runtime/virtual.js';
import type { Address, Transport, TransportErrorCode } from '../transport/transport.js';
import { linkKey, type PacketCounters, zeroCounters } from './counters.js';
import { sampleLatency } from './latency.js';
import { HEALTHY_LINK, type LinkFaults, LinkTable } from './link-faults.js';
import { NodeHost, type NodeState } from './node-host.js';
import { type PartitionId, PartitionSet } from './partitions.js';
import { SimScheduler } from './sim-scheduler.js';
import { type PendingRequest, type SimFabric, SimTransport } from './sim-transport.js';
import { hashString, mix32, TraceHash, TraceKind } from './trace-hash.js';

export interface SimNetworkOptions {
  /** The one seed every random choice of the run derives from. */
  readonly seed: number;
  /** Faults of every link without an override (default: HEALTHY_LINK, a fault-free LAN). */
  readonly link?: Partial<LinkFaults>;
  /** Default datagram limit of new nodes (memberlist's UDP buffer size). Default 1400. */
  readonly maxPacketBytes?: number;
  /** Default request/response limit of new nodes. Default 16 MiB. */
  readonly maxFrameBytes?: number;
  /** Datagrams a paused node buffers before dropping (a socket receive buffer). Default 1024. */
  readonly maxHeldPackets?: number;
  /** Keep counters per directed link, not only totals. Costs one Map lookup per event; default true. */
  readonly perLinkCounters?: boolean;
}

export interface NodeOptions {
  readonly maxPacketBytes?: number;
  readonly maxFrameBytes?: number;
  /** Clock skew: the node reads local = global·(1 + driftPpm/10⁶) + offsetMs. Kept across restarts. */
  readonly offsetMs?: number;
  readonly driftPpm?: number;
}

/** Everything one simulated process gets from its environment. */
export interface SimNode {
  readonly address: Address;
  /** Which start of this address this is (0 first, +1 per restart). */
  readonly incarnation: number;
  readonly transport: Transport;
  readonly clock: VirtualClock;
  /** Node-local timers: they respect this node's pause, crash and clock skew. */
  readonly scheduler: Scheduler;
  /** This incarnation's PRNG, derived from (seed, address, incarnation). */
  readonly random: Random;
}

export const DEFAULT_MAX_PACKET_BYTES = 1400;
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** Real-time primitive used only to let promise continuations run; see `run`. */
function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Many nodes' transports in one process, in virtual time, from one seed (DESIGN.md §3; the model is the
 * TigerBeetle VOPR packet simulator and FoundationDB's simulated network).
 *
 * Determinism: all randomness comes from `seed` — the network's draws (latency, loss, duplication,
 * reordering) from one stream consumed in event order, each node's from (seed, address, incarnation) — and
 * events at the same virtual instant run in scheduling order. Nothing reads wall time.
 */
export class SimNetwork implements SimFabric {
  readonly time = new VirtualTime();
  readonly seed: number;
  private readonly random: Random;
  private readonly links: LinkTable;
  private readonly partitions = new PartitionSet();
  private readonly trace = new TraceHash();
  private readonly totals = zeroCounters();
  private readonly perLink: Map<number, PacketCounters> | null;
  /** Index of every address ever mentioned (nodes, partition members, packet destinations). */
  private readonly indexes = new Map<Address, number>();
  private readonly addresses: Address[] = [];
  private readonly hosts: (NodeHost | undefined)[] = [];
  private readonly nodes: (SimNode | undefined)[] = [];
  private readonly maxPacketBytes: number;
  private readonly maxFrameBytes: number;
  private readonly maxHeldPackets: number;

  constructor(opts: SimNetworkOptions) {
    this.seed = opts.seed >>> 0;
    this.random = seededRandom(this.seed);
    this.links = new LinkTable({ ...HEALTHY_LINK, ...opts.link });
    this.maxPacketBytes = opts.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.maxHeldPackets = opts.maxHeldPackets ?? 1024;
    this.perLink = (opts.perLinkCounters ?? true) ? new Map() : null;
  }

  /** Starts a process at `address`. Throws if the address already has one (use `restart`). */
  addNode(address: Address, opts: NodeOptions = {}): SimNode {
    const idx = this.indexOf(address);
    if (this.hosts[idx] !== undefined) throw new Error(`node ${address} already exists`);
    const host = new NodeHost(idx, address, this.maxHeldPackets);
    host.offsetMs = opts.offsetMs ?? 0;
    host.driftPpm = opts.driftPpm ?? 0;
    this.hosts[idx] = host;
    return this.start(host, opts);
  }

  /** The current incarnation of `address` (throws for an unknown address). */
  node(address: Address): SimNode {
    const n = this.nodes[this.hostOf(address).idx];
    if (n === undefined) throw new Error(`node ${address} has no incarnation`);
    return n;
  }

  /** Addresses of all nodes ever added, in the order they were added. */
  nodeAddresses(): Address[] {
    return this.hosts.filter((h): h is NodeHost => h !== undefined).map((h) => h.address);
  }

  state(address: Address): NodeState {
    return this.hostOf(address).state;
  }

  /**
   * Kills the process: its timers and anything in flight to it are dropped, its transport stops, its pending
   * requests never settle, and requests it was serving see their connection reset (`closed`).
   */
  crash(address: Address): void {
    const host = this.hostOf(address);
    if (host.state === 'crashed') return;
    host.state = 'crashed';
    host.epoch++;
    host.dropHeld();
    host.transport?.kill();
    this.resetInbound(host);
    this.trace.event(this.time.now(), host.idx, host.idx, TraceKind.crash, null);
  }

  /** Starts a fresh incarnation of `address` (crashing the current one first if it is still running). */
  restart(address: Address, opts: NodeOptions = {}): SimNode {
    const host = this.hostOf(address);
    this.crash(address);
    host.epoch++;
    host.incarnation++;
    host.state = 'up';
    if (opts.offsetMs !== undefined) host.offsetMs = opts.offsetMs;
    if (opts.driftPpm !== undefined) host.driftPpm = opts.driftPpm;
    this.trace.event(this.time.now(), host.idx, host.idx, TraceKind.restart, null);
    return this.start(host, opts);
  }

  /**
   * Stalls the process (a GC pause, SIGSTOP): its timers and arriving packets/requests are held and run, in
   * order, when it wakes — after `durationMs`, or at `resume`. Held datagrams are bounded by maxHeldPackets.
   */
  pause(address: Address, durationMs?: number): void {
    const host = this.hostOf(address);
    if (host.state === 'crashed') throw new Error(`cannot pause crashed node ${address}`);
    if (host.state === 'up') this.trace.event(this.time.now(), host.idx, host.idx, TraceKind.pause, null);
    host.state = 'paused';
    const seq = ++host.pauseSeq;
    if (durationMs !== undefined) {
      this.time.at(this.time.now() + Math.max(0, durationMs), () => {
        if (host.pauseSeq === seq) this.resume(address);
      });
    }
  }

  resume(address: Address): void {
    const host = this.hostOf(address);
    if (host.state !== 'paused') return;
    host.state = 'up';
    this.trace.event(this.time.now(), host.idx, host.idx, TraceKind.resume, null);
    host.wake(this.time);
  }

  /** Changes a node's clock skew now (and for later restarts). A drift change makes its clock jump. */
  setClockSkew(address: Address, skew: { readonly offsetMs?: number; readonly driftPpm?: number }): void {
    const host = this.hostOf(address);
    if (skew.offsetMs !== undefined) host.offsetMs = skew.offsetMs;
    if (skew.driftPpm !== undefined) host.driftPpm = skew.driftPpm;
    if (host.clock !== null) {
      host.clock.offsetMs = host.offsetMs;
      host.clock.driftPpm = host.driftPpm;
    }
  }

  get linkDefaults(): LinkFaults {
    return this.links.defaults;
  }

  /** Changes the faults of every link that has no override for the changed fields. */
  setLinkDefaults(change: Partial<LinkFaults>): void {
    this.links.setDefaults(change);
  }

  /** Overrides faults on the directed link from → to (merged into any earlier override). */
  setLink(from: Address, to: Address, change: Partial<LinkFaults>): void {
    this.links.set(this.indexOf(from), this.indexOf(to), change);
  }

  /** Overrides both directions between a and b. */
  setLinkBoth(a: Address, b: Address, change: Partial<LinkFaults>): void {
    this.setLink(a, b, change);
    this.setLink(b, a, change);
  }

  clearLink(from: Address, to: Address): void {
    this.links.clear(this.indexOf(from), this.indexOf(to));
  }

  /** The faults in effect on from → to. */
  link(from: Address, to: Address): LinkFaults {
    return this.links.get(this.indexOf(from), this.indexOf(to));
  }

  /**
   * Cuts groupA from groupB: both directions, or only A → B with `oneWay`. Checked when a datagram or
   * request is sent and when a response is sent; what is already in flight still arrives.
   */
  partition(
    groupA: readonly Address[],
    groupB: readonly Address[],
    opts: { oneWay?: boolean } = {},
  ): PartitionId {
    return this.partitions.add(
      groupA.map((a) => this.indexOf(a)),
      groupB.map((a) => this.indexOf(a)),
      opts.oneWay ?? false,
    );
  }

  /** Cuts `address` off from every other node ever mentioned, both ways. */
  isolate(address: Address): PartitionId {
    return this.partition(
      [address],
      this.addresses.filter((a) => a !== address),
    );
  }

  /** Heals one partition, or all when `id` is omitted. */
  heal(id?: PartitionId): void {
    this.partitions.heal(id);
  }

  /** Runs `fn` at absolute virtual time `atMs` (a fault schedule step, a check). Not tied to any node. */
  at(atMs: number, fn: () => void): Cancel {
    return this.time.at(atMs, fn);
  }

  after(delayMs: number, fn: () => void): Cancel {
    return this.time.at(this.time.now() + Math.max(0, delayMs), fn);
  }

  now(): number {
    return this.time.now();
  }

  /**
   * Runs `durationMs` of virtual time for protocol code that awaits. After every event it yields one macrotask
   * turn (setImmediate — the only real-time primitive in src/sim, and it never affects ordering) so that all
   * promise continuations the event caused run at that same virtual instant, before the next event: the same
   * microtask checkpoint node has after each timer callback. That makes continuations part of the deterministic
   * order; the cost is ~3 µs per event, so large synchronous scenarios use `runSync`.
   */
  async run(durationMs: number): Promise<void> {
    await this.drive(this.time.now() + Math.max(0, durationMs), null);
  }

  /** Like `run`, stopping as soon as `cond()` holds; resolves to whether it held within `maxMs`. */
  runUntil(cond: () => boolean, maxMs: number): Promise<boolean> {
    return this.drive(this.time.now() + Math.max(0, maxMs), cond);
  }

  /**
   * Runs `durationMs` of virtual time without yielding. Promise continuations do not run until the caller
   * yields, so use it only when every handler is synchronous (benchmarks, packet-level tests).
   */
  runSync(durationMs: number): void {
    this.time.runFor(Math.max(0, durationMs));
  }

  // VirtualTime has no peek, so the deadline is a sentinel event: once it fires every event before the
  // deadline has run. Events at exactly the deadline may sort after it, so a fresh sentinel is placed until
  // one fires with nothing before it.
  private async drive(deadlineMs: number, cond: (() => boolean) | null): Promise<boolean> {
    await drainMicrotasks();
    if (cond?.()) return true;
    for (;;) {
      let reached = false;
      const cancel = this.time.at(deadlineMs, () => {
        reached = true;
      });
      let ran = 0;
      for (;;) {
        this.time.step();
        if (reached) break;
        ran++;
        await drainMicrotasks();
        if (cond?.()) {
          cancel();
          return true;
        }
      }
      if (ran === 0) return cond === null ? true : cond();
    }
  }

  /** 16 hex digits fingerprinting every delivery so far (time, endpoints, kind, payload) and node lifecycle. */
  traceHash(): string {
    return this.trace.digest();
  }

  /** Events folded into the trace hash. */
  get traceEvents(): number {
    return this.trace.events;
  }

  /** Totals over all links (a copy). */
  counters(): PacketCounters {
    return { ...this.totals };
  }

  /** Counters of the directed link from → to (zeros if nothing happened on it or per-link counting is off). */
  linkCounters(from: Address, to: Address): PacketCounters {
    const c = this.perLink?.get(linkKey(this.indexOf(from), this.indexOf(to)));
    return c === undefined ? zeroCounters() : { ...c };
  }

  sendPacket(from: SimTransport, to: Address, bytes: Uint8Array): void {
    const src = from.host.idx;
    const dst = this.indexOf(to);
    const lc = this.linkCountersFor(src, dst);
    this.totals.sent++;
    if (lc !== null) lc.sent++;
    if (this.partitions.size > 0 && this.partitions.blocks(src, dst)) {
      this.totals.partitioned++;
      if (lc !== null) lc.partitioned++;
      return;
    }
    const host = this.hosts[dst];
    const f = this.links.get(src, dst);
    const r = this.random;
    if (f.loss > 0 && r.next() < f.loss) {
      this.totals.lost++;
      if (lc !== null) lc.lost++;
      return;
    }
    if (host === undefined) {
      this.totals.undeliverable++;
      if (lc !== null) lc.undeliverable++;
      return;
    }
    // Copy, as a kernel does: the sender may reuse its buffer after sendPacket returns.
    const copy = bytes.slice();
    this.schedulePacket(src, host, copy, f, lc);
    if (f.duplicate > 0 && r.next() < f.duplicate) {
      this.totals.duplicated++;
      if (lc !== null) lc.duplicated++;
      this.schedulePacket(src, host, copy.slice(), f, lc);
    }
  }

  startRequest(from: SimTransport, pending: PendingRequest, to: Address, bytes: Uint8Array): void {
    const srcHost = from.host;
    const src = srcHost.idx;
    const dst = this.indexOf(to);
    this.totals.requests++;
    const lc = this.linkCountersFor(src, dst);
    if (lc !== null) lc.requests++;
    // A cut link loses the connection attempt: the requester waits for its timeout, as with a real SYN.
    if (this.partitions.size > 0 && this.partitions.blocks(src, dst)) return;
    const host = this.hosts[dst];
    const srcEpoch = srcHost.epoch;
    const outMs = sampleLatency(this.links.get(src, dst).latency, this.random);
    if (host === undefined || !host.live) {
      // Connection refused: the RST comes back after a round trip.
      const backMs = sampleLatency(this.links.get(dst, src).latency, this.random);
      this.replyAt(outMs + backMs, from, srcEpoch, pending, dst, 'unreachable', `nothing listens at ${to}`);
      return;
    }
    const copy = bytes.slice();
    const dstEpoch = host.epoch;
    const arrive = (): void => {
      if (host.epoch !== dstEpoch || !host.live) {
        const backMs = sampleLatency(this.links.get(dst, src).latency, this.random);
        this.replyAt(backMs, from, srcEpoch, pending, dst, 'unreachable', `${to} went away`);
        return;
      }
      if (host.state === 'paused') {
        host.hold(arrive, false);
        return;
      }
      this.trace.event(this.time.now(), src, dst, TraceKind.request, copy);
      this.serve(host, from, srcEpoch, pending, copy);
    };
    this.time.at(this.time.now() + outMs, arrive);
  }

  requestFailed(): void {
    this.totals.requestsFailed++;
  }

  transportClosed(t: SimTransport): void {
    if (t.host.transport === t) this.resetInbound(t.host);
  }

  private start(host: NodeHost, opts: NodeOptions): SimNode {
    const nodeSeed = mix32(mix32(this.seed, hashString(host.address)), host.incarnation);
    const random = seededRandom(mix32(nodeSeed, 1));
    const clock = new VirtualClock(this.time, host.offsetMs, host.driftPpm);
    const scheduler = new SimScheduler(this.time, host, host.epoch, clock, seededRandom(mix32(nodeSeed, 2)));
    const transport = new SimTransport(
      this,
      host,
      scheduler,
      opts.maxPacketBytes ?? this.maxPacketBytes,
      opts.maxFrameBytes ?? this.maxFrameBytes,
    );
    host.clock = clock;
    host.transport = transport;
    const node: SimNode = {
      address: host.address,
      incarnation: host.incarnation,
      transport,
      clock,
      scheduler,
      random,
    };
    this.nodes[host.idx] = node;
    return node;
  }

  private schedulePacket(
    src: number,
    host: NodeHost,
    bytes: Uint8Array,
    f: LinkFaults,
    lc: PacketCounters | null,
  ): void {
    let delayMs = sampleLatency(f.latency, this.random);
    if (f.reorder > 0 && this.random.next() < f.reorder) {
      delayMs += this.random.next() * f.reorderDelayMs;
      this.totals.reordered++;
      if (lc !== null) lc.reordered++;
    }
    const epoch = host.epoch;
    // The one closure per datagram; it gates itself on the receiver's crash epoch and pause state.
    const ev = (): void => {
      if (host.epoch !== epoch || !host.live) {
        this.totals.undeliverable++;
        if (lc !== null) lc.undeliverable++;
        return;
      }
      if (host.state === 'paused') {
        if (!host.hold(ev, true)) {
          this.totals.overflow++;
          if (lc !== null) lc.overflow++;
        }
        return;
      }
      this.totals.delivered++;
      if (lc !== null) lc.delivered++;
      this.trace.event(this.time.now(), src, host.idx, TraceKind.packet, bytes);
      const t = host.transport as SimTransport;
      t.packetHandler?.(this.addresses[src] as Address, bytes);
    };
    this.time.at(this.time.now() + delayMs, ev);
  }

  /** Runs the destination's request handler and sends its outcome back over the link. */
  private serve(
    host: NodeHost,
    from: SimTransport,
    srcEpoch: number,
    pending: PendingRequest,
    bytes: Uint8Array,
  ): void {
    const t = host.transport as SimTransport;
    const epoch = host.epoch;
    const src = from.host.idx;
    let open = true;
    const respond = (
      code: TransportErrorCode | null,
      body: Uint8Array | null,
      message: string,
      reset = false,
    ): void => {
      // After a crash only the reset (sent by crash itself) may answer; a late handler result is lost.
      if (!open || (!reset && host.epoch !== epoch)) return;
      open = false;
      host.inbound.delete(inbound);
      // A cut return path loses the response; the requester times out.
      if (this.partitions.size > 0 && this.partitions.blocks(host.idx, src)) return;
      const backMs = sampleLatency(this.links.get(host.idx, src).latency, this.random);
      if (code === null && body !== null) this.responseAt(backMs, from, srcEpoch, pending, host.idx, body);
      else this.replyAt(backMs, from, srcEpoch, pending, host.idx, code ?? 'remote', message);
    };
    const inbound = { reset: () => respond('closed', null, `connection to ${host.address} reset`, true) };
    host.inbound.add(inbound);
    const handler = t.requestHandler;
    if (handler === null) {
      respond('remote', null, `${host.address} has no request handler`);
      return;
    }
    const limit = Math.min(t.maxFrameBytes, from.maxFrameBytes);
    const ok = (res: Uint8Array): void => {
      if (res.length > limit) respond('oversize', null, `response of ${res.length} bytes exceeds ${limit}`);
      else respond(null, res.slice(), '');
    };
    const failed = (err: unknown): void =>
      respond('remote', null, err instanceof Error ? err.message : String(err));
    let result: Uint8Array | Promise<Uint8Array>;
    try {
      result = handler(from.localAddress, bytes);
    } catch (err) {
      failed(err);
      return;
    }
    // A synchronous answer is sent synchronously, so request/response also works under runSync.
    if (result instanceof Uint8Array) ok(result);
    else result.then(ok, failed);
  }

  private responseAt(
    delayMs: number,
    to: SimTransport,
    epoch: number,
    pending: PendingRequest,
    fromIdx: number,
    body: Uint8Array,
  ): void {
    this.settleAt(delayMs, to, epoch, pending, fromIdx, TraceKind.response, body, () =>
      to.succeed(pending, body),
    );
  }

  private replyAt(
    delayMs: number,
    to: SimTransport,
    epoch: number,
    pending: PendingRequest,
    fromIdx: number,
    code: TransportErrorCode,
    message: string,
  ): void {
    this.settleAt(delayMs, to, epoch, pending, fromIdx, TraceKind.error, null, () =>
      to.fail(pending, code, message),
    );
  }

  /**
   * Delivers the outcome of a request to its (still current, not yet settled) requester after `delayMs`;
   * held while the requester is paused, dropped if it crashed meanwhile.
   */
  private settleAt(
    delayMs: number,
    to: SimTransport,
    epoch: number,
    pending: PendingRequest,
    fromIdx: number,
    kind: (typeof TraceKind)[keyof typeof TraceKind],
    body: Uint8Array | null,
    settle: () => void,
  ): void {
    const host = to.host;
    const ev = (): void => {
      if (host.epoch !== epoch || pending.settled) return;
      if (host.state === 'paused') {
        host.hold(ev, false);
        return;
      }
      this.trace.event(this.time.now(), fromIdx, host.idx, kind, body);
      settle();
    };
    this.time.at(this.time.now() + delayMs, ev);
  }

  private resetInbound(host: NodeHost): void {
    const inbound = [...host.inbound];
    host.inbound.clear();
    for (const r of inbound) r.reset();
  }

  private linkCountersFor(src: number, dst: number): PacketCounters | null {
    const m = this.perLink;
    if (m === null) return null;
    const k = linkKey(src, dst);
    let c = m.get(k);
    if (c === undefined) {
      c = zeroCounters();
      m.set(k, c);
    }
    return c;
  }

  private indexOf(address: Address): number {
    let i = this.indexes.get(address);
    if (i === undefined) {
      i = this.addresses.length;
      this.indexes.set(address, i);
      this.addresses.push(address);
    }
    return i;
  }

  private hostOf(address: Address): NodeHost {
    const i = this.indexes.get(address);
    const h = i === undefined ? undefined : this.hosts[i];
    if (h === undefined) throw new Error(`unknown node ${address}`);
    return h;
  }
}
