/**
 * prom-client implementation of the store's metrics (DESIGN.md §11): quorum latencies by op and r/w,
 * outcomes, read repairs, sibling counts (CoordinatorMetrics) and the replica layer's merges, hints and reaps
 * (ReplicaMetrics). Only the metrics registry imports this.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AntiEntropyMetrics } from '../antientropy/anti-entropy.js';
import type { CoordinatorMetrics } from '../coordinator/coordinator-metrics.js';
import type { ReplicaMetrics } from '../replica/replica-metrics.js';
import { isCountable, msToSeconds } from './prom-helpers.js';

/** Local quorum round trips take ~1 ms; the default request timeout is 5 s and the largest allowed 60 s. */
export const KV_REQUEST_DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60,
];

/** Siblings per read: 1 is the normal case; dozens mean clients write blindly and never resolve. */
export const SIBLING_BUCKETS: readonly number[] = [1, 2, 3, 5, 10, 25, 100];

/** One exchange is a few round trips when in sync; a large repair can take seconds. */
export const EXCHANGE_DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export function createPromKvMetrics(
  register: Registry,
  prefix: string,
): { coordinator: CoordinatorMetrics; replica: ReplicaMetrics; antiEntropy: AntiEntropyMetrics } {
  const registers = [register];
  const p = prefix;
  const duration = new Histogram({
    name: `${p}kv_request_duration_seconds`,
    help: 'Client requests coordinated by this node, by operation, outcome and quorum (r for get, w otherwise).',
    labelNames: ['op', 'outcome', 'quorum'] as const,
    buckets: [...KV_REQUEST_DURATION_BUCKETS_SECONDS],
    registers,
  });
  const repairs = new Counter({
    name: `${p}kv_read_repairs_total`,
    help: 'Replicas repaired by reads, by why they were behind (notfound or outofdate).',
    labelNames: ['reason'] as const,
    registers,
  });
  const siblings = new Histogram({
    name: `${p}kv_siblings`,
    help: 'Siblings returned by successful reads.',
    buckets: [...SIBLING_BUCKETS],
    registers,
  });
  const handoff = new Counter({
    name: `${p}kv_handoff_keys_total`,
    help: 'Keys handed to their new owners after an ownership change (join or leave), and deleted here.',
    registers,
  });
  const merges = new Counter({
    name: `${p}kv_replica_merges_total`,
    help: 'Replicated writes and repairs applied by this replica; changed="false" when already known.',
    labelNames: ['changed'] as const,
    registers,
  });
  const corrupt = new Counter({
    name: `${p}kv_corrupt_records_total`,
    help: 'Stored records or hints that failed to decode (a disk fault or a bug).',
    registers,
  });
  const hintsStored = new Gauge({
    name: `${p}kv_hints_stored`,
    help: 'Hints this node keeps for unreachable owners (hinted handoff).',
    registers,
  });
  const hintsDelivered = new Counter({
    name: `${p}kv_hints_delivered_total`,
    help: 'Hints delivered to their owner and removed here.',
    registers,
  });
  const reaped = new Counter({
    name: `${p}kv_tombstones_reaped_total`,
    help: 'Tombstones removed from storage after all N primaries held them for the grace period.',
    registers,
  });
  const namespaceLimit = new Counter({
    name: `${p}kv_namespace_limit_refusals_total`,
    help: "Writes refused because they would add a namespace past this node's store.maxNamespaces.",
    registers,
  });
  const exchanges = new Counter({
    name: `${p}aae_exchanges_total`,
    help: 'Merkle anti-entropy exchanges this node started, by outcome (ok or error).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const exchangeDuration = new Histogram({
    name: `${p}aae_exchange_duration_seconds`,
    help: 'Duration of one Merkle exchange of one partition with one peer.',
    buckets: [...EXCHANGE_DURATION_BUCKETS_SECONDS],
    registers,
  });
  const exchangeBytes = new Counter({
    name: `${p}aae_exchange_bytes_total`,
    help: 'Request and response bytes of Merkle exchanges (tree walk, entries, pushes).',
    registers,
  });
  const divergent = new Counter({
    name: `${p}aae_divergent_segments_total`,
    help: 'Merkle segments found different by exchanges.',
    registers,
  });
  const repaired = new Counter({
    name: `${p}aae_keys_repaired_total`,
    help: 'Keys repaired by exchanges: pulled (the peer had news for us) or pushed (we had news for the peer).',
    labelNames: ['direction'] as const,
    registers,
  });
  const owned = new Gauge({
    name: `${p}aae_partitions_owned`,
    help: 'Partitions (per namespace) this node owns and sweeps.',
    registers,
  });
  const inSync = new Gauge({
    name: `${p}aae_partitions_in_sync`,
    help: 'Owned partitions whose last exchange found no difference: an estimate of replicas in sync.',
    registers,
  });
  const oldest = new Gauge({
    name: `${p}aae_oldest_exchange_age_seconds`,
    help: 'Age of the oldest last exchange among owned partitions at the end of the last sweep (+Inf: one never exchanged).',
    registers,
  });
  return {
    antiEntropy: {
      exchange: (r) => {
        exchanges.inc({ outcome: r.ok ? 'ok' : 'error' });
        if (isCountable(r.durationMs)) exchangeDuration.observe(msToSeconds(r.durationMs));
        if (isCountable(r.bytes)) exchangeBytes.inc(r.bytes);
        if (r.ok) {
          if (r.segments > 0) divergent.inc(r.segments);
          if (r.pulled > 0) repaired.inc({ direction: 'pulled' }, r.pulled);
          if (r.pushed > 0) repaired.inc({ direction: 'pushed' }, r.pushed);
        }
      },
      sweep: (ownedCount, inSyncCount, oldestAgeMs) => {
        owned.set(ownedCount);
        inSync.set(inSyncCount);
        oldest.set(Number.isFinite(oldestAgeMs) ? msToSeconds(oldestAgeMs) : Number.POSITIVE_INFINITY);
      },
    },
    coordinator: {
      request: (op, outcome, quorum, durationMs) => {
        if (isCountable(durationMs))
          duration.observe({ op, outcome, quorum: String(quorum) }, msToSeconds(durationMs));
      },
      readRepair: (reason) => repairs.inc({ reason }),
      siblings: (count) => {
        if (isCountable(count)) siblings.observe(count);
      },
      handedOff: (count) => {
        if (isCountable(count)) handoff.inc(count);
      },
    },
    replica: {
      merges: (changed) => merges.inc({ changed: String(changed) }),
      corrupt: () => corrupt.inc(),
      hintsStored: (n) => hintsStored.set(n),
      hintsDelivered: (n) => {
        if (isCountable(n)) hintsDelivered.inc(n);
      },
      reaped: () => reaped.inc(),
      namespaceLimit: () => namespaceLimit.inc(),
    },
  };
}

/** The counters rumor mongering keeps per channel (RumorCore.stats), read at scrape time. */
export interface RumorCounters {
  readonly pushesSent: number;
  readonly pushesReceived: number;
  readonly feedbackNew: number;
  readonly feedbackKnown: number;
  readonly rumorsHot: number;
  readonly rumorsRetired: number;
}

/**
 * Registers the rumor mongering metrics of every channel (global namespace, data), read from `read()` when
 * Prometheus scrapes: counters advance by the delta since the last scrape, so they stay monotonic.
 */
export function registerRumorMetrics(
  register: Registry,
  prefix: string,
  read: () => Readonly<Record<string, RumorCounters>>,
): void {
  const registers = [register];
  const last = new Map<string, number>();
  const delta = (name: string, channel: string, value: number): number => {
    const k = `${name}:${channel}`;
    const d = value - (last.get(k) ?? 0);
    last.set(k, value);
    return Math.max(d, 0);
  };
  const pushes = new Counter({
    name: `${prefix}rumor_pushes_total`,
    help: 'Rumor pushes, by channel (global namespace or data) and direction (sent or received).',
    labelNames: ['channel', 'direction'] as const,
    registers,
    collect() {
      for (const [channel, s] of Object.entries(read())) {
        this.inc({ channel, direction: 'sent' }, delta('sent', channel, s.pushesSent));
        this.inc({ channel, direction: 'received' }, delta('received', channel, s.pushesReceived));
      }
    },
  });
  const feedback = new Counter({
    name: `${prefix}rumor_feedback_total`,
    help: 'Feedback to this node\'s pushes: "known" answers are the redundant contacts that end a rumor.',
    labelNames: ['channel', 'verdict'] as const,
    registers,
    collect() {
      for (const [channel, s] of Object.entries(read())) {
        this.inc({ channel, verdict: 'new' }, delta('new', channel, s.feedbackNew));
        this.inc({ channel, verdict: 'known' }, delta('known', channel, s.feedbackKnown));
      }
    },
  });
  const retired = new Counter({
    name: `${prefix}rumors_retired_total`,
    help: 'Rumors this node stopped spreading after k redundant pushes (loss of interest).',
    labelNames: ['channel'] as const,
    registers,
    collect() {
      for (const [channel, s] of Object.entries(read()))
        this.inc({ channel }, delta('retired', channel, s.rumorsRetired));
    },
  });
  const hot = new Gauge({
    name: `${prefix}rumors_hot`,
    help: 'Rumors this node is spreading now.',
    labelNames: ['channel'] as const,
    registers,
    collect() {
      for (const [channel, s] of Object.entries(read())) this.set({ channel }, s.rumorsHot);
    },
  });
  void [pushes, feedback, retired, hot];
}
