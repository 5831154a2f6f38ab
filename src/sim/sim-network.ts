import type { Random } from '../runtime/random.js';
import { seededRandom } from '../runtime/random.js';
import type { Cancel, Scheduler } from '../runtime/scheduler.js';
import { VirtualClock, type VirtualTime } from '../runtime/virtual.js';
import type { Address, Transport } from '../transport/transport.js';
import type { PacketCounters } from './counters.js';
import { sendDatagram } from './datagram-delivery.js';
import { HEALTHY_LINK, type LinkFaults } from './link-faults.js';
import { Medium } from './medium.js';
import { NodeHost, type NodeState } from './node-host.js';
import type { PartitionId } from './partitions.js';
import { resetInbound, startRequest } from './request-delivery.js';
import { SimScheduler } from './sim-scheduler.js';
import { type PendingRequest, type SimFabric, SimTransport } from './sim-transport.js';
import { hashString, mix32, TraceKind } from './trace-hash.js';

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
 *
 * This file is the control surface (nodes' lifecycle, faults, running time); what happens to a datagram is
 * datagram-delivery.ts, to a request request-delivery.ts, and the state they share is medium.ts.
 */
export class SimNetwork implements SimFabric {
  readonly time: VirtualTime;
  readonly seed: number;
  private readonly m: Medium;
  private readonly nodes: (SimNode | undefined)[] = [];
  private readonly maxPacketBytes: number;
  private readonly maxFrameBytes: number;
  private readonly maxHeldPackets: number;

  constructor(opts: SimNetworkOptions) {
    this.seed = opts.seed >>> 0;
    this.m = new Medium(
      seededRandom(this.seed),
      { ...HEALTHY_LINK, ...opts.link },
      opts.perLinkCounters ?? true,
    );
    this.time = this.m.time;
    this.maxPacketBytes = opts.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.maxHeldPackets = opts.maxHeldPackets ?? 1024;
  }

  /** Starts a process at `address`. Throws if the address already has one (use `restart`). */
  addNode(address: Address, opts: NodeOptions = {}): SimNode {
    const idx = this.indexOf(address);
    if (this.m.hosts[idx] !== undefined) throw new Error(`node ${address} already exists`);
    const host = new NodeHost(idx, address, this.maxHeldPackets);
    host.offsetMs = opts.offsetMs ?? 0;
    host.driftPpm = opts.driftPpm ?? 0;
    this.m.hosts[idx] = host;
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
    return this.m.hosts.filter((h): h is NodeHost => h !== undefined).map((h) => h.address);
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
    resetInbound(host);
    this.m.trace.event(this.time.now(), host.idx, host.idx, TraceKind.crash, null);
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
    this.m.trace.event(this.time.now(), host.idx, host.idx, TraceKind.restart, null);
    return this.start(host, opts);
  }

  /**
   * Stalls the process (a GC pause, SIGSTOP): its timers and arriving packets/requests are held and run, in
   * order, when it wakes — after `durationMs`, or at `resume`. Held datagrams are bounded by maxHeldPackets.
   */
  pause(address: Address, durationMs?: number): void {
    const host = this.hostOf(address);
    if (host.state === 'crashed') throw new Error(`cannot pause crashed node ${address}`);
    if (host.state === 'up') this.m.trace.event(this.time.now(), host.idx, host.idx, TraceKind.pause, null);
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
    this.m.trace.event(this.time.now(), host.idx, host.idx, TraceKind.resume, null);
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
    return this.m.links.defaults;
  }

  /** Changes the faults of every link that has no override for the changed fields. */
  setLinkDefaults(change: Partial<LinkFaults>): void {
    this.m.links.setDefaults(change);
  }

  /** Overrides faults on the directed link from → to (merged into any earlier override). */
  setLink(from: Address, to: Address, change: Partial<LinkFaults>): void {
    this.m.links.set(this.indexOf(from), this.indexOf(to), change);
  }

  /** Overrides both directions between a and b. */
  setLinkBoth(a: Address, b: Address, change: Partial<LinkFaults>): void {
    this.setLink(a, b, change);
    this.setLink(b, a, change);
  }

  clearLink(from: Address, to: Address): void {
    this.m.links.clear(this.indexOf(from), this.indexOf(to));
  }

  /** The faults in effect on from → to. */
  link(from: Address, to: Address): LinkFaults {
    return this.m.links.get(this.indexOf(from), this.indexOf(to));
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
    return this.m.partitions.add(
      groupA.map((a) => this.indexOf(a)),
      groupB.map((a) => this.indexOf(a)),
      opts.oneWay ?? false,
    );
  }

  /** Cuts `address` off from every other node ever mentioned, both ways. */
  isolate(address: Address): PartitionId {
    return this.partition(
      [address],
      this.m.addresses.filter((a) => a !== address),
    );
  }

  /** Heals one partition, or all when `id` is omitted. */
  heal(id?: PartitionId): void {
    this.m.partitions.heal(id);
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
    return this.m.trace.digest();
  }

  /** Events folded into the trace hash. */
  get traceEvents(): number {
    return this.m.trace.events;
  }

  /** Totals over all links (a copy). */
  counters(): PacketCounters {
    return { ...this.m.totals };
  }

  /** Counters of the directed link from → to (zeros if nothing happened on it or per-link counting is off). */
  linkCounters(from: Address, to: Address): PacketCounters {
    return this.m.linkCounters(this.indexOf(from), this.indexOf(to));
  }

  sendPacket(from: SimTransport, to: Address, bytes: Uint8Array): void {
    sendDatagram(this.m, from, to, bytes);
  }

  startRequest(from: SimTransport, pending: PendingRequest, to: Address, bytes: Uint8Array): void {
    startRequest(this.m, from, pending, to, bytes);
  }

  requestFailed(): void {
    this.m.totals.requestsFailed++;
  }

  transportClosed(t: SimTransport): void {
    if (t.host.transport === t) resetInbound(t.host);
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

  private indexOf(address: Address): number {
    return this.m.indexOf(address);
  }

  private hostOf(address: Address): NodeHost {
    return this.m.hostOf(address);
  }
}
