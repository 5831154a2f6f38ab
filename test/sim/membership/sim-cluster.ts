import { lanConfig, type MembershipConfig } from '../../../src/membership/config.js';
import type { MemberState } from '../../../src/membership/member.js';
import type { Membership, MembershipEvent, MembershipInit } from '../../../src/membership/membership.js';
import { createMetricsRegistry } from '../../../src/metrics/registry.js';
import { assembleNode, type MembershipNode } from '../../../src/node/assemble.js';
import type { Logger } from '../../../src/runtime/logger.js';
import { type Random, seededRandom } from '../../../src/runtime/random.js';
import { SimNetwork, type SimNetworkOptions } from '../../../src/sim/index.js';
import { simEnv } from '../helpers.js';
import { simLogger } from '../sim-log.js';

export interface RecordedEvent {
  readonly atMs: number;
  /** Address of the node that emitted the event. */
  readonly at: string;
  readonly event: MembershipEvent;
}

/** One simulated cluster: a SimNetwork and a Membership per address, rebuilt on restart. */
export class SimCluster {
  readonly sim: SimNetwork;
  readonly nodes = new Map<string, Membership>();
  private readonly handles = new Map<string, MembershipNode>();
  readonly events: RecordedEvent[] = [];
  readonly config: MembershipConfig;
  /** The test's own choices (victims, schedules), separate from the network's and the nodes' streams. */
  readonly random: Random;
  private readonly recordEvents: boolean;
  /** A real metrics registry per node (default true), as a production node has. */
  private readonly metrics: boolean;
  /** Silent, or with HEARSAY_SIM_LOG=<level> a pino logger stamped with virtual time (test/sim/sim-log.ts). */
  private readonly log: Logger;

  constructor(
    opts: SimNetworkOptions & {
      config?: MembershipConfig;
      recordEvents?: boolean;
      logger?: Logger;
      metrics?: boolean;
    },
  ) {
    this.metrics = opts.metrics ?? true;
    this.sim = new SimNetwork(opts);
    this.config = opts.config ?? lanConfig();
    this.recordEvents = opts.recordEvents ?? false;
    this.log = opts.logger ?? simLogger(() => this.sim.now());
    this.random = seededRandom(opts.seed ^ 0x5eed_c1a5);
  }

  static addr(i: number): string {
    return `n${i}:7946`;
  }

  /** The member name of the node at `addr` (the host part). */
  static nameOf(addr: string): string {
    return addr.split(':')[0] as string;
  }

  static addrs(n: number): string[] {
    return Array.from({ length: n }, (_, i) => SimCluster.addr(i));
  }

  /**
   * Starts a node at `addr` (or restarts it after a crash) through `assembleNode` — a membership-only node
   * (`store: false`) with its own metrics registry — and returns its Membership.
   */
  async start(
    addr: string,
    config: MembershipConfig = this.config,
    extra: Pick<MembershipInit, 'knownMembers'> = {},
  ): Promise<Membership> {
    const known = this.sim.nodeAddresses().includes(addr);
    const simNode = known ? this.sim.restart(addr) : this.sim.addNode(addr);
    const name = SimCluster.nameOf(addr);
    const log = this.log.child({ node: name });
    const node = await assembleNode(
      simEnv(simNode, {
        logger: log,
        ...(this.metrics ? { metrics: createMetricsRegistry({ node: name }) } : {}),
      }),
      { name, cluster: 'sim', membership: config, store: false, ...extra },
    );
    const m = node.membership;
    log.info({ addr, restart: known }, 'node started');
    if (this.recordEvents) {
      m.onEvent((event) => this.events.push({ atMs: this.sim.now(), at: addr, event }));
    }
    this.nodes.set(addr, m);
    this.handles.set(addr, node);
    node.start();
    return m;
  }

  /** Starts n nodes n0…n(n−1); each joins through `seeds` (addresses) unless it is one. */
  async startAll(n: number, seeds: readonly string[]): Promise<void> {
    for (let i = 0; i < n; i++) await this.start(SimCluster.addr(i));
    const joins: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      const addr = SimCluster.addr(i);
      const others = seeds.filter((s) => s !== addr);
      if (others.length > 0) joins.push(this.node(addr).joinWithRetry(others));
    }
    await this.sim.runUntil(() => false, 1); // let the join requests go out
    void Promise.all(joins);
  }

  /** Starts n nodes through `seeds` and runs until they converged; returns the virtual time it took. */
  async startConverged(n: number, seeds: readonly string[], maxMs: number): Promise<number> {
    const t0 = this.sim.now();
    await this.startAll(n, seeds);
    const took = await this.runUntil(() => this.converged(n), maxMs);
    if (took === null) throw new Error(`${n} nodes did not converge within ${maxMs} virtual ms`);
    return this.sim.now() - t0;
  }

  node(addr: string): Membership {
    const m = this.nodes.get(addr);
    if (m === undefined) throw new Error(`no running node at ${addr}`);
    return m;
  }

  crash(addr: string): void {
    this.log.child({ node: SimCluster.nameOf(addr) }).info({ addr }, 'node crashed');
    this.handles.get(addr)?.stop();
    this.sim.crash(addr);
    this.nodes.delete(addr);
    this.handles.delete(addr);
  }

  /**
   * Graceful leave of the node at `addr`, driving virtual time until `leave()` resolves; the node then no
   * longer counts as live. Returns the virtual time leave() took.
   */
  async leave(addr: string, maxMs: number): Promise<number> {
    this.node(addr);
    const handle = this.handles.get(addr) as MembershipNode;
    const t0 = this.sim.now();
    let done = false;
    void handle.leave().then(() => {
      done = true;
    });
    const ok = await this.sim.runUntil(() => done, maxMs);
    if (!ok) throw new Error(`leave() of ${addr} did not resolve within ${maxMs} virtual ms`);
    handle.stop();
    this.nodes.delete(addr);
    this.handles.delete(addr);
    return this.sim.now() - t0;
  }

  /** Nodes still running (not crashed or left). */
  live(): Membership[] {
    return [...this.nodes.values()];
  }

  liveAddrs(): string[] {
    return [...this.nodes.keys()];
  }

  /** True when every live node holds the same checksum and sees `expectAlive` members alive. */
  converged(expectAlive: number): boolean {
    const live = this.live();
    const first = live[0];
    if (first === undefined) return true;
    const sum = first.checksum();
    for (const m of live) {
      if (m.countByState().alive !== expectAlive) return false;
      if (m.checksum() !== sum) return false;
    }
    return true;
  }

  /** True when every live node other than `id` itself shows member `id` in one of `states`. */
  allSee(id: string, ...states: MemberState[]): boolean {
    for (const m of this.live()) {
      if (m.name === id) continue;
      const s = m.member(id)?.state;
      if (s === undefined || !states.includes(s)) return false;
    }
    return true;
  }

  /** True when some live node other than `id` shows member `id` in one of `states`. */
  someSee(id: string, ...states: MemberState[]): boolean {
    for (const m of this.live()) {
      if (m.name === id) continue;
      const s = m.member(id)?.state;
      if (s !== undefined && states.includes(s)) return true;
    }
    return false;
  }

  /** Recorded membership events of `kinds` about member `id` (every member when omitted). */
  eventsOf(kinds: readonly MembershipEvent['kind'][], id?: string): RecordedEvent[] {
    return this.events.filter(
      (e) =>
        kinds.includes(e.event.kind) &&
        (id === undefined || ('member' in e.event && e.event.member.id === id)),
    );
  }

  /**
   * Runs until `cond()` holds, checking every `stepMs` of virtual time (cluster-wide checks cost O(n²), too
   * much to evaluate after every event). Resolves to the virtual time it took, or null if `maxMs` passed.
   */
  async runUntil(cond: () => boolean, maxMs: number, stepMs = 100): Promise<number | null> {
    const start = this.sim.now();
    while (this.sim.now() - start < maxMs) {
      if (cond()) return this.sim.now() - start;
      await this.sim.run(Math.min(stepMs, maxMs - (this.sim.now() - start)));
    }
    return cond() ? this.sim.now() - start : null;
  }

  /** Runs `durationMs` of virtual time, calling `observe()` every `stepMs` (safety checks during faults). */
  async runObserving(durationMs: number, observe: () => void, stepMs = 100): Promise<void> {
    const end = this.sim.now() + durationMs;
    while (this.sim.now() < end) {
      await this.sim.run(Math.min(stepMs, end - this.sim.now()));
      observe();
    }
  }

  /** What `viewer` thinks of `id`'s state. */
  stateOf(viewer: Membership, id: string): MemberState | undefined {
    return viewer.member(id)?.state;
  }
}

/** min / median / max of a non-empty sample (nearest-rank median). */
export function distribution(xs: readonly number[]): {
  min: number;
  median: number;
  max: number;
  count: number;
} {
  if (xs.length === 0) throw new Error('empty sample');
  const s = [...xs].sort((a, b) => a - b);
  return {
    min: s[0] as number,
    median: s[Math.floor((s.length - 1) / 2)] as number,
    max: s[s.length - 1] as number,
    count: s.length,
  };
}
