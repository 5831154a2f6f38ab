import type { RumorStream } from '../antientropy/rumor-stream.js';
import { keyHex } from '../replica/key-lock.js';
import type { Replica, VSet } from '../replica/replica.js';
import type { Clock } from '../runtime/clock.js';
import { type Logger, SILENT_LOGGER } from '../runtime/logger.js';
import { equal, sync } from '../versioning/dvvset.js';
import { encodeSet } from '../versioning/dvvset-codec.js';
import type { VersionVector } from '../versioning/version-vector.js';
import { type VersionedValue, versionedValueEquals } from '../versioning/versioned-value.js';
import { decodeRumorPayload, encodeRumorPayload } from './rumor-payload.js';

/** The namespace replicated to every node (n = all): cluster-wide settings and small metadata. */
export const GLOBAL_NAMESPACE = '_global';
/** Its keys all live in one partition: it is small, and one Merkle tree per node covers it. */
export const GLOBAL_PARTITION = 0;

/**
 * The global namespace (DESIGN.md §10, issue #6): every node holds every key. A write is coordinated by the
 * node that receives it (a dot of its own), stored durably, and spread by rumor mongering; Merkle anti-entropy
 * with a random other member each sweep catches what the rumor missed. Reads are local. An in-memory copy
 * answers rumor deliveries synchronously (the feedback must say at once whether the push was news) and serves
 * reads; the replica's change listener keeps it equal to storage whatever path a change took.
 */
export class GlobalNamespace {
  readonly #replica: Replica;
  readonly #clock: Clock;
  readonly #entries = new Map<string, { key: Uint8Array; set: VSet }>();
  #rumors: RumorStream | undefined;
  readonly #log: Logger;

  private constructor(replica: Replica, clock: Clock, log: Logger) {
    this.#replica = replica;
    this.#clock = clock;
    this.#log = log;
  }

  static async open(replica: Replica, clock: Clock, log: Logger = SILENT_LOGGER): Promise<GlobalNamespace> {
    const g = new GlobalNamespace(replica, clock, log);
    for await (const e of replica.iteratePartition(GLOBAL_NAMESPACE, GLOBAL_PARTITION)) {
      if (e.ok) g.#entries.set(keyHex(e.key), { key: e.key, set: e.set });
      else log.warn({ err: e.error, key: keyHex(e.key) }, 'skipping an unreadable _global entry');
    }
    return g;
  }

  /** The rumor channel that spreads local writes (set once, after construction). */
  attach(rumors: RumorStream): void {
    this.#rumors = rumors;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: Uint8Array): VSet | undefined {
    return this.#entries.get(keyHex(key))?.set;
  }

  /** Every key and set, for settings lookups. */
  entries(): IterableIterator<{ key: Uint8Array; set: VSet }> {
    return this.#entries.values();
  }

  /** A local write (value or tombstone) over `context`: stored, then spread. Resolves to the new set. */
  async write(key: Uint8Array, context: VersionVector, value: VersionedValue): Promise<VSet | string> {
    const r = await this.#replica.coordinate(
      GLOBAL_NAMESPACE,
      key,
      GLOBAL_PARTITION,
      context,
      value,
      Math.floor(this.#clock.wallMs()),
    );
    if (!r.ok) return `${r.error.kind}`;
    const { id, payload } = encodeRumorPayload(GLOBAL_NAMESPACE, GLOBAL_PARTITION, key, encodeSet(r.value));
    this.#rumors?.spread(id, payload);
    return r.value;
  }

  /** The replica's change listener for this namespace: storage is the truth, the map follows it. */
  onChange(key: Uint8Array, after: VSet | undefined): void {
    if (after === undefined) this.#entries.delete(keyHex(key));
    else this.#entries.set(keyHex(key), { key, set: after });
  }

  /** A pushed rumor: merge it in memory now (to answer new/known), store it durably next. */
  deliver(payload: Uint8Array): 'new' | 'known' {
    const d = decodeRumorPayload(payload);
    if (d === undefined || d.ns !== GLOBAL_NAMESPACE) return 'known';
    const current = this.#entries.get(keyHex(d.key));
    const merged = current === undefined ? d.set : sync(current.set, d.set, versionedValueEquals);
    if (current !== undefined && equal(merged, current.set)) return 'known';
    this.#entries.set(keyHex(d.key), { key: d.key, set: merged });
    // Storage failed: anti-entropy brings the update again later, but the operator should know the disk failed.
    const failed = (err: unknown): void =>
      this.#log.warn({ err, key: keyHex(d.key) }, 'cannot store a _global rumor');
    void this.#replica
      .merge(GLOBAL_NAMESPACE, d.key, GLOBAL_PARTITION, d.set, Math.floor(this.#clock.wallMs()))
      .then((r) => {
        if (!r.ok) failed(r.error);
      }, failed);
    return 'new';
  }
}
