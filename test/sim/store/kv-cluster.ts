import type { AntiEntropyMetrics } from '../../../src/antientropy/anti-entropy.js';
import type { CoordinatorMetrics } from '../../../src/coordinator/coordinator-metrics.js';
import { lanConfig, type MembershipConfig } from '../../../src/membership/config.js';
import type { Membership } from '../../../src/membership/membership.js';
import { createMetricsRegistry, type MetricsRegistry } from '../../../src/metrics/registry.js';
import { assembleNode, type StoreNode } from '../../../src/node/assemble.js';
import type { KvStore } from '../../../src/node/kv-store.js';
import {
  defaultKvConfig,
  type KvConfig,
  type KvConfigOverrides,
  mergeKvConfig,
} from '../../../src/node/store-config.js';
import type { Logger } from '../../../src/runtime/logger.js';
import type { Random } from '../../../src/runtime/random.js';
import { type LatencyModel, SimNetwork, type SimNetworkOptions } from '../../../src/sim/index.js';
import { SlowStorage } from '../../../src/sim/slow-storage.js';
import { openMemoryStorage } from '../../../src/storage/memory-storage.js';
import type { Storage } from '../../../src/storage/storage.js';
import type { DvvSet } from '../../../src/versioning/dvvset.js';
import type { VersionedValue } from '../../../src/versioning/versioned-value.js';
import type { Keyring } from '../../../src/wire/index.js';
import { simLogger } from '../sim-log.js';

/** Service ids on the stream channel, as on a real node (src/node/assemble.ts). */
export { SERVICE_AAE, SERVICE_KV, SERVICE_MEMBERSHIP } from '../../../src/node/assemble.js';

export interface KvSimNode {
  readonly addr: string;
  readonly name: string;
  readonly membership: Membership;
  readonly kv: KvStore;
  /** This node's own metrics registry (the same prom-client metrics a real node exports). */
  readonly metrics: MetricsRegistry;
  readonly handle: StoreNode;
}

export interface KvClusterOptions extends SimNetworkOptions {
  readonly kv?: KvConfigOverrides;
  readonly membership?: MembershipConfig;
  /** The coordinator metrics of each node (by name), e.g. a counting fake. */
  readonly metrics?: (name: string) => CoordinatorMetrics;
  /** The anti-entropy metrics of each node (by name). */
  readonly antiEntropyMetrics?: (name: string) => AntiEntropyMetrics;
  /** Commit delay of every node's disk (src/sim/slow-storage.ts); instant when absent. */
  readonly diskCommit?: LatencyModel;
  /**
   * The cluster's logger (each node logs through a child with `{ node: name }`). Default: silent, or with
   * HEARSAY_SIM_LOG=<level> a pino logger stamped with virtual time (test/sim/sim-log.ts).
   */
  readonly logger?: Logger;
  /**
   * Each node's keyring (given that node's seeded Random, for replayable nonces): packets and store frames
   * are then sealed as on an encrypted real node. Default: none (the sealing is the identity).
   */
  readonly keyring?: (random: Random) => Keyring;
  /** Cluster label on every packet and frame. Default: none. */
  readonly label?: string;
}

/**
 * A simulated store cluster: per address a SimNetwork node running membership (service 0) and a KvStore
 * (service 1) over one RequestRouter, like src/node.ts. Each address keeps its storage across crashes — the
 * memory engine stands in for a durable disk, so a restart comes back with what it had acknowledged.
 */
export class KvSimCluster {
  readonly sim: SimNetwork;
  readonly kvConfig: KvConfig;
  readonly membershipConfig: MembershipConfig;
  readonly #nodes = new Map<string, KvSimNode>();
  readonly #disks = new Map<string, Storage>();
  readonly #metrics: ((name: string) => CoordinatorMetrics) | undefined;
  readonly #aaeMetrics: ((name: string) => AntiEntropyMetrics) | undefined;
  readonly #diskCommit: LatencyModel | undefined;
  readonly #log: Logger;
  readonly #keyring: ((random: Random) => Keyring) | undefined;
  readonly #label: string;

  constructor(opts: KvClusterOptions) {
    this.sim = new SimNetwork(opts);
    this.kvConfig = mergeKvConfig(defaultKvConfig(), opts.kv);
    this.membershipConfig = opts.membership ?? lanConfig();
    this.#metrics = opts.metrics;
    this.#aaeMetrics = opts.antiEntropyMetrics;
    this.#diskCommit = opts.diskCommit;
    this.#keyring = opts.keyring;
    this.#label = opts.label ?? '';
    this.#log = opts.logger ?? simLogger(() => this.sim.now());
  }

  static addr(i: number): string {
    return `n${i}:7946`;
  }

  static nameOf(addr: string): string {
    return addr.split(':')[0] as string;
  }

  /** Starts (or restarts after a crash) the node at `addr`; it joins through `seeds` in the background. */
  async start(addr: string, seeds: readonly string[] = []): Promise<KvSimNode> {
    const known = this.sim.nodeAddresses().includes(addr);
    const simNode = known ? this.sim.restart(addr) : this.sim.addNode(addr);
    const name = KvSimCluster.nameOf(addr);
    const log = this.#log.child({ node: name });
    let disk = this.#disks.get(addr);
    if (disk === undefined) {
      disk = openMemoryStorage();
      this.#disks.set(addr, disk);
    }
    const storage =
      this.#diskCommit === undefined
        ? disk
        : new SlowStorage(
            disk,
            { clock: simNode.clock, scheduler: simNode.scheduler, random: simNode.random.fork() },
            this.#diskCommit,
          );
    const metrics = this.#registry(name);
    const handle = await assembleNode(
      {
        clock: simNode.clock,
        scheduler: simNode.scheduler,
        random: simNode.random,
        transport: simNode.transport,
        storage,
        logger: log,
        metrics,
      },
      {
        name,
        cluster: 'sim',
        membership: this.membershipConfig,
        store: this.kvConfig,
        ...(this.#keyring === undefined ? {} : { keyring: this.#keyring(simNode.random.fork()) }),
        label: this.#label,
      },
    );
    handle.start();
    log.info({ addr, restart: known }, 'node started');
    const others = seeds.filter((s) => s !== addr);
    if (others.length > 0) void handle.join(others);
    const node = {
      addr,
      name,
      membership: handle.membership,
      kv: handle.kv,
      metrics,
      handle,
    };
    this.#nodes.set(addr, node);
    return node;
  }

  /** Starts n nodes n0…n(n−1) joining through n0 and runs until every node sees n alive members. */
  // Gossip alone can miss a node that joined early; the next push/pull (30 s on LAN) repairs that.
  async startConverged(n: number, maxMs = 90_000): Promise<void> {
    const seed = KvSimCluster.addr(0);
    for (let i = 0; i < n; i++) await this.start(KvSimCluster.addr(i), [seed]);
    const ok = await this.runUntil(
      () => this.live().every((x) => x.membership.countByState().alive === n),
      maxMs,
    );
    if (!ok) throw new Error(`${n} store nodes did not converge within ${maxMs} virtual ms`);
  }

  node(addr: string): KvSimNode {
    const n = this.#nodes.get(addr);
    if (n === undefined) throw new Error(`no running node at ${addr}`);
    return n;
  }

  /** The running node named `name` (n0, n1…). */
  byName(name: string): KvSimNode {
    return this.node(`${name}:7946`);
  }

  live(): KvSimNode[] {
    return [...this.#nodes.values()];
  }

  isUp(addr: string): boolean {
    return this.#nodes.has(addr);
  }

  /** Kills the process at `addr`; its storage (the disk) survives for a restart. */
  crash(addr: string): void {
    const n = this.#nodes.get(addr);
    if (n === undefined) return;
    n.handle.stop();
    this.#log.child({ node: n.name }).info({ addr }, 'node crashed');
    this.sim.crash(addr);
    this.#nodes.delete(addr);
  }

  /** The storage of `addr` (kept across crashes), for checking what a replica holds. */
  disk(addr: string): Storage {
    const d = this.#disks.get(addr);
    if (d === undefined) throw new Error(`no disk for ${addr}`);
    return d;
  }

  /**
   * A fresh registry per node start (a restarted process starts its counters over), as src/node.ts builds
   * one; the test's own coordinator / anti-entropy metrics, if given, see every call too.
   */
  #registry(name: string): MetricsRegistry {
    const registry = createMetricsRegistry({ node: name });
    const coordinator = this.#metrics?.(name);
    const antiEntropy = this.#aaeMetrics?.(name);
    if (coordinator === undefined && antiEntropy === undefined) return registry;
    const kv = registry.kv();
    const teed = {
      ...kv,
      ...(coordinator === undefined ? {} : { coordinator: tee(kv.coordinator, coordinator) }),
      ...(antiEntropy === undefined ? {} : { antiEntropy: tee(kv.antiEntropy, antiEntropy) }),
    };
    return { ...registry, kv: () => teed };
  }

  /** Runs virtual time until `cond` holds (checked every `stepMs`); false if `maxMs` passed first. */
  async runUntil(cond: () => boolean, maxMs: number, stepMs = 100): Promise<boolean> {
    const end = this.sim.now() + maxMs;
    while (!cond()) {
      if (this.sim.now() >= end) return false;
      await this.sim.run(Math.min(stepMs, end - this.sim.now()));
    }
    return true;
  }

  /** Drives virtual time until `p` settles (at most `maxMs`), then returns its value. */
  async await<T>(p: Promise<T>, maxMs = 60_000): Promise<T> {
    let settled = false;
    let value: T | undefined;
    let error: unknown;
    let failed = false;
    p.then(
      (v) => {
        settled = true;
        value = v;
      },
      (e: unknown) => {
        settled = true;
        failed = true;
        error = e;
      },
    );
    const ok = await this.runUntil(() => settled, maxMs, 10);
    if (!ok) throw new Error(`operation did not settle within ${maxMs} virtual ms`);
    if (failed) throw error;
    return value as T;
  }
}

/** One metrics object calling both `a` and `b` (interfaces of void methods only). */
function tee<T extends object>(a: T, b: T): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(a)) {
    const fa = (a as Record<string, (...args: unknown[]) => void>)[key];
    const fb = (b as Record<string, (...args: unknown[]) => void>)[key];
    out[key] = (...args: unknown[]): void => {
      fa?.apply(a, args);
      fb?.apply(b, args);
    };
  }
  return out as T;
}

const utf8 = new TextEncoder();

/** Stores `set` directly in the replica of `node` (as a replicated write would), without the network. */
export async function storeDirect(
  node: KvSimNode,
  ns: string,
  key: string,
  set: DvvSet<VersionedValue>,
): Promise<void> {
  const k = utf8.encode(key);
  const res = await node.kv.service.handle({
    op: 'merge',
    ns,
    key: k,
    partition: node.kv.placement.partitionOf(k),
    set,
  });
  if (res.kind !== 'found') throw new Error(`store ${key} on ${node.name}: ${JSON.stringify(res)}`);
}

/** The set `node`'s replica holds for `key`, read directly (no quorum, no network); undefined if none. */
export async function storedDirect(
  node: KvSimNode,
  ns: string,
  key: string,
): Promise<DvvSet<VersionedValue> | undefined> {
  const k = utf8.encode(key);
  const res = await node.kv.service.handle({
    op: 'get',
    ns,
    key: k,
    partition: node.kv.placement.partitionOf(k),
  });
  return res.kind === 'found' ? res.set : undefined;
}
