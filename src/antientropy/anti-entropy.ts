import type { NodeId } from '../membership/member.js';
import type { Clock } from '../runtime/clock.js';
import { SILENT_LOGGER } from '../runtime/logger.js';
import { PeriodicTask } from '../runtime/periodic-task.js';
import type { Random } from '../runtime/random.js';
import type { Scheduler } from '../runtime/scheduler.js';
import { type ExchangeComponents, type ExchangeResult, runExchange } from './exchange.js';

/** A namespace name (structural: this layer imports nothing above it). */
type Namespace = string;
/** A ring partition index. */
type PartitionId = number;

/** What anti-entropy reports (DESIGN.md §11 convergence metrics); every method must never throw. */
export interface AntiEntropyMetrics {
  /** One exchange finished (`ok` false: the peer failed or timed out). */
  exchange(result: ExchangeResult): void;
  /** After each sweep: partitions owned, how many were in sync at their last exchange, oldest exchange age. */
  sweep(owned: number, inSync: number, oldestAgeMs: number): void;
}

export const NOOP_ANTI_ENTROPY_METRICS: AntiEntropyMetrics = Object.freeze({
  exchange: () => {},
  sweep: () => {},
});

export interface AntiEntropyComponents extends ExchangeComponents {
  readonly scheduler: Scheduler;
  readonly random: Random;
  readonly clock: Clock;
  /** The owners of a partition for N replicas, under the current ring. */
  readonly owners: (partition: number, n: number) => readonly NodeId[];
  /** The (namespace, partition) pairs this node holds data in (the replica's partition index). */
  readonly holdings: () => Iterable<{ readonly ns: Namespace; readonly partition: number }>;
  readonly isUp: (node: NodeId) => boolean;
  readonly replicas: (ns: Namespace) => number;
  readonly metrics?: AntiEntropyMetrics;
  /** A namespace every node holds (n = all) in one partition: exchanged with any other up member. */
  readonly global?: {
    readonly ns: Namespace;
    readonly partition: number;
    readonly peers: () => readonly NodeId[];
  };
}

export interface AntiEntropyInit {
  readonly self: NodeId;
  /** One sweep over every owned partition per interval. */
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly maxKeysPerExchange: number;
  /** Exchanges in flight at once during a sweep. */
  readonly concurrency: number;
}

/** The last exchange of one (namespace, partition), for `/cluster/convergence`. */
export interface PartitionStatus {
  readonly ns: Namespace;
  readonly partition: number;
  readonly peer: NodeId;
  readonly atMs: number;
  readonly ok: boolean;
  /** Differing segments found (0 = in sync with that peer at that time). */
  readonly segments: number;
  readonly pulled: number;
  readonly pushed: number;
}

/** Convergence of the partitions owned in one namespace (or all of them). */
export interface ConvergenceCounts {
  readonly owned: number;
  readonly exchanged: number;
  /** Owned partitions whose last exchange found no difference: an estimate of replicas in sync. */
  readonly inSync: number;
  /** Age of the oldest last exchange among owned partitions (Infinity if one was never exchanged). */
  readonly oldestExchangeAgeMs: number;
}

/**
 * `/cluster/convergence`: totals and one line per namespace, never one per partition (with many namespaces
 * that was megabytes); `partitionStatus` pages through the partitions.
 */
export interface ConvergenceReport extends ConvergenceCounts {
  readonly intervalMs: number;
  readonly sweeps: number;
  /** Trees rebuilt from storage because an exchange found differences that no key explained. */
  readonly treesRebuilt: number;
  /** Per namespace this node owns partitions of, by name. */
  readonly namespaces: readonly (ConvergenceCounts & { readonly ns: Namespace })[];
}

export type PartitionReport = PartitionStatus & { readonly ageMs: number };

/** One page of the owned partitions' last exchanges, in the last sweep's order. */
export interface PartitionPage {
  /** Owned partitions with an exchange so far (what the pages cover). */
  readonly total: number;
  readonly partitions: readonly PartitionReport[];
}

/**
 * Merkle anti-entropy's scheduler (DESIGN.md §10): every interval, sweep every partition this node owns and
 * holds data in (the replica's partition index), in every namespace, exchanging trees with one other owner that is up (a different one each
 * sweep, round-robin from a random start). Sweeps never overlap and run at most `concurrency` exchanges at a
 * time, each repairing at most `maxKeysPerExchange` keys, so repair never crowds out client traffic.
 */
export class AntiEntropy {
  readonly #c: AntiEntropyComponents;
  readonly #init: AntiEntropyInit;
  readonly #status = new Map<string, PartitionStatus>();
  readonly #loop: PeriodicTask;
  #sweeping: Promise<void> | undefined;
  #sweeps = 0;
  #rebuilt = 0;
  #owned: { ns: Namespace; partition: PartitionId }[] = [];
  readonly #offset: number;

  constructor(components: AntiEntropyComponents, init: AntiEntropyInit) {
    this.#c = components;
    this.#init = init;
    const log = components.logger ?? SILENT_LOGGER;
    this.#loop = new PeriodicTask(
      components.scheduler,
      init.intervalMs,
      () => this.sweep(),
      (err) => log.warn({ err }, 'anti-entropy sweep failed'),
    );
    this.#offset = components.random.int(1 << 16);
  }

  start(): void {
    this.#loop.start();
  }

  stop(): void {
    this.#loop.stop();
  }

  /** One sweep now (tests; the timer does this every interval). Resolves when it finished. */
  sweep(): Promise<void> {
    this.#sweeping ??= this.#sweep().finally(() => {
      this.#sweeping = undefined;
    });
    return this.#sweeping;
  }

  /** Exchange one partition with `peer` now (tests, and the sweep's unit of work). */
  async exchange(ns: Namespace, partition: number, peer: NodeId): Promise<ExchangeResult> {
    const result = await runExchange(this.#c, {
      ns,
      partition,
      peer,
      timeoutMs: this.#init.timeoutMs,
      maxKeys: this.#init.maxKeysPerExchange,
    });
    this.#status.set(statusKey(ns, partition), {
      ns,
      partition,
      peer,
      atMs: this.#c.clock.now(),
      ok: result.ok,
      segments: result.ok ? result.segments : 0,
      pulled: result.ok ? result.pulled : 0,
      pushed: result.ok ? result.pushed : 0,
    });
    // Segments differed yet no key needed repair: a tree does not match its data (a lost update, or a build
    // that raced writes). Rebuild ours from storage; the peer notices the same on its own sweeps.
    if (result.ok && result.segments > 0 && result.pulled + result.pushed === 0) {
      this.#c.trees.invalidate(ns, partition);
      this.#rebuilt++;
    }
    this.#c.metrics?.exchange(result);
    // A peer down or slow is routine (and counted): debug only.
    if (!result.ok)
      (this.#c.logger ?? SILENT_LOGGER).debug(
        { ns, partition, peer, error: result.error },
        'exchange failed',
      );
    return result;
  }

  convergence(): ConvergenceReport {
    const now = this.#c.clock.now();
    const total = emptyCounts();
    const byNs = new Map<Namespace, ReturnType<typeof emptyCounts>>();
    for (const { ns, partition } of this.#owned) {
      const counts = byNs.get(ns) ?? emptyCounts();
      byNs.set(ns, counts);
      const s = this.#status.get(statusKey(ns, partition));
      for (const c of [total, counts]) {
        c.owned++;
        if (s === undefined) {
          c.oldestExchangeAgeMs = Number.POSITIVE_INFINITY;
          continue;
        }
        c.exchanged++;
        if (s.ok && s.segments === 0) c.inSync++;
        c.oldestExchangeAgeMs = Math.max(c.oldestExchangeAgeMs, now - s.atMs);
      }
    }
    return {
      intervalMs: this.#init.intervalMs,
      sweeps: this.#sweeps,
      treesRebuilt: this.#rebuilt,
      ...total,
      namespaces: [...byNs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([ns, c]) => ({ ns, ...c })),
    };
  }

  /** The last exchanges of owned partitions, `limit` of them from `offset` (pages of the last sweep's order). */
  partitionStatus(offset: number, limit: number): PartitionPage {
    const now = this.#c.clock.now();
    const partitions: PartitionReport[] = [];
    let total = 0;
    for (const { ns, partition } of this.#owned) {
      const s = this.#status.get(statusKey(ns, partition));
      if (s === undefined) continue;
      if (total >= offset && partitions.length < limit) partitions.push({ ...s, ageMs: now - s.atMs });
      total++;
    }
    return { total, partitions };
  }

  async #sweep(): Promise<void> {
    const self = this.#init.self;
    const work: { ns: Namespace; partition: PartitionId; peer: NodeId }[] = [];
    const owned: { ns: Namespace; partition: PartitionId }[] = [];
    const global = this.#c.global;
    if (global !== undefined) {
      owned.push({ ns: global.ns, partition: global.partition as PartitionId });
      const peers = global.peers();
      const peer = peers[(this.#offset + this.#sweeps) % Math.max(1, peers.length)];
      if (peer !== undefined) work.push({ ns: global.ns, partition: global.partition as PartitionId, peer });
    }
    // Only partitions holding data here: one that holds nothing is exchanged by the owners that hold its
    // data (they push it here), so the sweep's cost follows the data, not namespaces × ring partitions.
    for (const { ns, partition } of this.#c.holdings()) {
      if (ns === global?.ns) continue;
      const n = this.#c.replicas(ns);
      const owners = this.#c.owners(partition, n);
      if (!owners.includes(self)) continue;
      owned.push({ ns, partition });
      const peers = owners.filter((o) => o !== self && this.#c.isUp(o));
      if (peers.length === 0) continue;
      const peer = peers[(this.#offset + this.#sweeps + partition) % peers.length] as NodeId;
      work.push({ ns, partition, peer });
    }
    this.#owned = owned;
    const current = new Set(owned.map((o) => statusKey(o.ns, o.partition)));
    for (const k of this.#status.keys()) if (!current.has(k)) this.#status.delete(k);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < work.length) {
        const w = work[next++];
        if (w !== undefined) await this.exchange(w.ns, w.partition, w.peer);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.#init.concurrency) }, worker));
    this.#sweeps++;
    const report = this.convergence();
    this.#c.metrics?.sweep(report.owned, report.inSync, report.oldestExchangeAgeMs);
  }
}

function emptyCounts(): { owned: number; exchanged: number; inSync: number; oldestExchangeAgeMs: number } {
  return { owned: 0, exchanged: 0, inSync: 0, oldestExchangeAgeMs: 0 };
}

function statusKey(ns: Namespace, partition: number): string {
  return `${partition}:${ns}`;
}
