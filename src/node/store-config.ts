import { MAX_SEGMENTS } from '../antientropy/config.js';
import { DEFAULT_MAX_TREES } from '../antientropy/partition-trees.js';
import type { CoordinatorConfig } from '../coordinator/config.js';
import {
  type NamespaceConfig,
  type NamespaceDefaults,
  namespaceConfigErrors,
  namespaceNameError,
} from '../coordinator/namespace-config.js';
import { DEFAULT_REPLICAS } from '../coordinator/quorum.js';
import { DEFAULT_MAX_NAMESPACES } from '../replica/partition-index.js';
import { DEFAULT_PARTITIONS, MAX_PARTITIONS } from '../ring/config.js';

/**
 * Every tunable of the store (DESIGN.md §6–§9) in one typed object, with Riak's or Cassandra's name for it
 * where one exists. Per-namespace settings (N, R, W, strict) default to `defaults` and may be overridden per
 * namespace in `namespaces`; a request may override R and W (`?r=`, `?w=`) but never N.
 */
export interface KvConfig extends NamespaceDefaults, CoordinatorConfig {
  /** Ring size Q; must be equal on every node for the life of the data (see RingConfig). */
  readonly partitions: number;
  /**
   * How often a node looks for keys of partitions it no longer owns (after a join or a leave) and hands them
   * to their owners. Each pass walks every partition's key range, so not much lower than a few seconds.
   */
  readonly handoffIntervalMs: number;
  /**
   * Merkle anti-entropy: each node exchanges every partition it owns with one other owner once per interval
   * (a sweep). Shorter heals divergence sooner (the convergence bound is about two intervals) at the price
   * of one round trip per partition per interval even when all is in sync. Riak's AAE default tick: 15 s.
   */
  readonly exchangeIntervalMs: number;
  /** Most keys one exchange repairs (both directions); the rest wait for the next sweep. */
  readonly exchangeMaxKeys: number;
  /** Exchanges a sweep runs at once: the repair load anti-entropy may add next to client traffic. */
  readonly exchangeConcurrency: number;
  /**
   * Keys anti-entropy may repair per second on this node (a token bucket, burst = one second's worth), so a
   * large divergence is repaired at a steady pace instead of starving client requests.
   */
  readonly exchangeMaxKeysPerSecond: number;
  /**
   * Leaves (segments) of each partition's Merkle tree, a power of two; equal on every node. More segments
   * mean fewer keys shipped per difference and more hashes per full walk (docs/antientropy.md).
   */
  readonly merkleSegments: number;
  /**
   * Merkle trees kept in memory per node at most (about 16 bytes × merkleSegments each: 17 KiB at 1024).
   * Past it the least recently used tree is dropped and rebuilt from storage when next exchanged, so memory
   * stays bounded whatever the data's spread, at the cost of scans when more partitions hold data than fit.
   */
  readonly maxTrees: number;
  /**
   * Client namespaces a node stores data in at most (Riak buckets cost nothing; ours cost a few index
   * entries and one tree per partition holding data). A write that would add one more is refused with 409
   * and counted (hearsay_kv_namespace_limit_refusals_total). A namespace whose data is all gone (tombstones
   * reaped) stops counting.
   */
  readonly maxNamespaces: number;
  /**
   * Rumor mongering (Demers et al.: push, feedback, counter) for the global namespace and for data writes a
   * replica missed: a node stops pushing an update after `rumorK` pushes to peers that already had it.
   * Higher k leaves fewer nodes unreached (residue ≈ e^{-(k+1)}) at about k+1 messages per node
   * (`npm run bench -- rumor`). Anti-entropy catches the residue.
   */
  readonly rumorK: number;
  /** One rumor round: every hot update is pushed to `rumorFanout` random peers. */
  readonly rumorIntervalMs: number;
  readonly rumorFanout: number;
  /** Most updates being spread at once (oldest dropped first; anti-entropy still delivers them). */
  readonly rumorMaxHot: number;
  /** Largest data version rumored after a write (its encoded set); bigger ones are left to anti-entropy. */
  readonly rumorMaxBytes: number;
  /** How often hints are offered to their owners when those are up (Riak's handoff check). */
  readonly hintDeliveryIntervalMs: number;
  /** Most hints delivered per owner per interval, so a returning node is not flooded. */
  readonly hintDeliveryBatch: number;
  /** Largest value in bytes; larger bodies get 413 before anything is stored. Riak warns at 5 MiB. */
  readonly maxValueBytes: number;
}

const SECOND_MS = 1000;

/** The default `maxRequestTimeoutMs`; the CLI refuses a larger `--timeout` with it, so both agree. */
export const MAX_REQUEST_TIMEOUT_MS = 60 * SECOND_MS;

export function defaultKvConfig(): KvConfig {
  return {
    partitions: DEFAULT_PARTITIONS,
    defaults: { n: DEFAULT_REPLICAS, r: 'quorum', w: 'quorum', strict: false, conflict: 'siblings' },
    namespaces: {},
    requestTimeoutMs: 5 * SECOND_MS,
    maxRequestTimeoutMs: MAX_REQUEST_TIMEOUT_MS,
    sloppyQuorum: true,
    readRepair: 'async',
    handoffIntervalMs: 10 * SECOND_MS,
    exchangeIntervalMs: 30 * SECOND_MS,
    rumorK: 3,
    rumorIntervalMs: 200,
    rumorFanout: 1,
    rumorMaxHot: 1024,
    rumorMaxBytes: 64 * 1024,
    exchangeMaxKeys: 1000,
    exchangeConcurrency: 2,
    exchangeMaxKeysPerSecond: 5000,
    merkleSegments: 1024,
    maxTrees: DEFAULT_MAX_TREES,
    maxNamespaces: DEFAULT_MAX_NAMESPACES,
    hintDeliveryIntervalMs: 2 * SECOND_MS,
    hintDeliveryBatch: 256,
    tombstoneGraceMs: 10 * SECOND_MS,
    maxClockOffsetMs: 500,
    maxValueBytes: 1024 * 1024,
  };
}

/** Every problem with a config, empty when valid. */
export function validateKvConfig(c: KvConfig): readonly string[] {
  const errors: string[] = [];
  const int = (name: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    if (!(Number.isInteger(v) && v >= min && v <= max))
      errors.push(`${name} must be an integer in [${min}, ${max}], got ${v}`);
  };
  int('partitions', c.partitions, 1, MAX_PARTITIONS);
  int('requestTimeoutMs', c.requestTimeoutMs, 1);
  int('maxRequestTimeoutMs', c.maxRequestTimeoutMs, c.requestTimeoutMs);
  int('hintDeliveryIntervalMs', c.hintDeliveryIntervalMs, 1);
  int('handoffIntervalMs', c.handoffIntervalMs, 1);
  int('exchangeIntervalMs', c.exchangeIntervalMs, 1);
  int('rumorK', c.rumorK, 1, 64);
  int('rumorIntervalMs', c.rumorIntervalMs, 1);
  int('rumorFanout', c.rumorFanout, 1, 64);
  int('rumorMaxHot', c.rumorMaxHot, 1);
  int('rumorMaxBytes', c.rumorMaxBytes, 0);
  int('exchangeMaxKeys', c.exchangeMaxKeys, 1);
  int('exchangeConcurrency', c.exchangeConcurrency, 1, 64);
  int('exchangeMaxKeysPerSecond', c.exchangeMaxKeysPerSecond, 1);
  int('merkleSegments', c.merkleSegments, 1, MAX_SEGMENTS);
  if (!(c.merkleSegments > 0 && (c.merkleSegments & (c.merkleSegments - 1)) === 0)) {
    errors.push(`merkleSegments must be a power of two, got ${c.merkleSegments}`);
  }
  int('maxTrees', c.maxTrees, 1);
  int('maxNamespaces', c.maxNamespaces, 1);
  int('hintDeliveryBatch', c.hintDeliveryBatch, 1);
  int('tombstoneGraceMs', c.tombstoneGraceMs, 0);
  int('maxClockOffsetMs', c.maxClockOffsetMs, 0);
  int('maxValueBytes', c.maxValueBytes, 1);
  if (c.readRepair !== 'async' && c.readRepair !== 'sync') errors.push(`readRepair must be async or sync`);
  const checkNs = (label: string, ns: NamespaceConfig): void => {
    for (const e of namespaceConfigErrors(ns)) errors.push(`${label}${e.across ? ': ' : '.'}${e.error}`);
  };
  checkNs('defaults', c.defaults);
  for (const [name, override] of Object.entries(c.namespaces)) {
    const bad = namespaceNameError(name);
    if (bad !== undefined) errors.push(bad);
    checkNs(`namespaces.${name}`, { ...c.defaults, ...override });
  }
  return errors;
}
