import { lanConfig, type MembershipConfig } from '../../../src/membership/config.js';
import type { MemberState } from '../../../src/membership/member.js';
import { Membership, type MembershipEvent } from '../../../src/membership/membership.js';
import { SimNetwork, type SimNetworkOptions } from '../../../src/sim/index.js';

/** One simulated cluster: a SimNetwork and a Membership per address, rebuilt on restart. */
export class SimCluster {
  readonly sim: SimNetwork;
  readonly nodes = new Map<string, Membership>();
  readonly events: { atMs: number; at: string; event: MembershipEvent }[] = [];
  private readonly config: MembershipConfig;

  constructor(opts: SimNetworkOptions & { config?: MembershipConfig; recordEvents?: boolean }) {
    this.sim = new SimNetwork(opts);
    this.config = opts.config ?? lanConfig();
    this.recordEvents = opts.recordEvents ?? false;
  }

  private readonly recordEvents: boolean;

  static addr(i: number): string {
    return `n${i}:7946`;
  }

  /** Starts a node at `addr` (or restarts it after a crash) and returns its Membership. */
  start(addr: string, config: MembershipConfig = this.config): Membership {
    const known = this.sim.nodeAddresses().includes(addr);
    const simNode = known ? this.sim.restart(addr) : this.sim.addNode(addr);
    const m = new Membership(
      {
        clock: simNode.clock,
        scheduler: simNode.scheduler,
        random: simNode.random,
        transport: simNode.transport,
      },
      { name: addr.split(':')[0] as string, cluster: 'sim', config },
    );
    if (this.recordEvents) {
      m.onEvent((event) => this.events.push({ atMs: this.sim.now(), at: addr, event }));
    }
    this.nodes.set(addr, m);
    m.start();
    return m;
  }

  /** Starts n nodes n0…n(n−1); each joins through `seeds` (addresses) unless it is one. */
  async startAll(n: number, seeds: readonly string[]): Promise<void> {
    for (let i = 0; i < n; i++) this.start(SimCluster.addr(i));
    const joins: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      const addr = SimCluster.addr(i);
      const others = seeds.filter((s) => s !== addr);
      if (others.length > 0) joins.push((this.nodes.get(addr) as Membership).joinWithRetry(others));
    }
    await this.sim.runUntil(() => false, 1); // let the join requests go out
    void Promise.all(joins);
  }

  crash(addr: string): void {
    this.nodes.get(addr)?.stop();
    this.sim.crash(addr);
    this.nodes.delete(addr);
  }

  /** Nodes still running (not crashed or left). */
  live(): Membership[] {
    return [...this.nodes.values()];
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

  /**
   * Runs until `cond()` holds, checking every `stepMs` of virtual time (cluster-wide checks cost O(n²), too
   * much to evaluate after every event). Resolves to the virtual time it took, or null if `maxMs` passed.
   */
  async runUntil(cond: () => boolean, maxMs: number, stepMs = 100): Promise<number | null> {
    const start = this.sim.now();
    while (this.sim.now() - start < maxMs) {
      if (cond()) return this.sim.now() - start;
      await this.sim.run(stepMs);
    }
    return cond() ? this.sim.now() - start : null;
  }

  /** What `viewer` thinks of `id`'s state. */
  stateOf(viewer: Membership, id: string): MemberState | undefined {
    return viewer.member(id)?.state;
  }
}
