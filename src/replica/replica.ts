import type { Namespace, Storage } from '../storage/storage.js';
import {
  type DvvSet,
  equal,
  join,
  newWithContext,
  size,
  sync,
  update,
  values,
} from '../versioning/dvvset.js';
import { encodeSet } from '../versioning/dvvset-codec.js';
import { DEFAULT_VERSIONING_LIMITS, type VersioningLimits } from '../versioning/limits.js';
import type { ReplicaId } from '../versioning/replica-id.js';
import { merge as mergeVv, type VersionVector } from '../versioning/version-vector.js';
import {
  compareStamps,
  isDeleted,
  type VersionedValue,
  versionedValueEquals,
} from '../versioning/versioned-value.js';
import { KeyLock, lockKey } from './key-lock.js';
import { DEFAULT_MAX_NAMESPACES, PartitionIndex } from './partition-index.js';
import { bytesEqual, checkMs, type DecodedRecord, decodeRecord, encodeRecordWithSetBytes } from './record.js';
import { fail, guardStorage, ok, type ReplicaError, type ReplicaResult } from './replica-error.js';
import { NOOP_REPLICA_METRICS, type ReplicaMetrics } from './replica-metrics.js';

export type VSet = DvvSet<VersionedValue>;

/** Namespaces starting with NUL belong to the node itself (hints, later Merkle trees), never to clients. */
export const RESERVED_NAMESPACE_PREFIX = '\u0000';

export interface ReplicaComponents {
  readonly storage: Storage;
  readonly metrics?: ReplicaMetrics;
  /**
   * Told of every stored change of a client key, after it is durable and while the key's lock is held (so
   * calls for one key arrive in order): the Merkle trees of anti-entropy follow the data this way.
   */
  readonly onChange?: ReplicaChangeListener;
}

/** One side of a change: the set and its canonical encoding (computed once, for storage and listeners alike). */
export interface StoredSet {
  readonly set: VSet;
  readonly bytes: Uint8Array;
}

export type ReplicaChangeListener = (
  ns: Namespace,
  partition: number,
  key: Uint8Array,
  before: StoredSet | undefined,
  after: StoredSet | undefined,
) => void;

export interface ReplicaInit {
  /** This node's replica id: the origin of every dot it mints in `coordinate`. */
  readonly localId: ReplicaId;
  readonly limits?: VersioningLimits;
  /** Client namespaces this replica stores data in at most; a write into one more is refused. */
  readonly maxNamespaces?: number;
  /** Namespaces always accepted and not counted against `maxNamespaces` (the global one). */
  readonly uncappedNamespaces?: readonly Namespace[];
}

export interface MergeOutcome {
  /** False when the incoming set added nothing: nothing was written. */
  readonly changed: boolean;
  readonly set: VSet;
}

/** Why `reap` did or did not delete. Only `reaped` removed anything. */
export type ReapOutcome = 'reaped' | 'absent' | 'changed';

/** One stored key of a partition, for handoff and anti-entropy; corrupt records come out as errors. */
export type PartitionEntry =
  | {
      readonly ok: true;
      readonly key: Uint8Array;
      readonly set: VSet;
      /** `encodeSet(set)`, sliced from the stored record. */
      readonly setBytes: Uint8Array;
      readonly atMs: number;
    }
  | { readonly ok: false; readonly key: Uint8Array; readonly error: ReplicaError };

/**
 * The local owner of data on this node (DESIGN.md §8): riak_kv_vnode's per-key logic — DVV update on
 * coordinated writes, DVV sync on replicated writes and read repair, tombstone reaping — over one
 * `Storage` (the backend, kept separate as in riak_kv). Every read-modify-write of a key runs under a
 * per-key lock, so concurrent writes on one node never lose an update.
 *
 * Records are envelopes (`record.ts`) carrying the time of the last local change, for the reap grace.
 */
export class Replica {
  #localId: ReplicaId;
  /** Which (namespace, partition) pairs hold data here: anti-entropy and handoff walk only those. */
  readonly index: PartitionIndex;
  readonly #storage: Storage;
  readonly #metrics: ReplicaMetrics;
  readonly #limits: VersioningLimits;
  readonly #lock = new KeyLock();
  readonly #onChange: ReplicaChangeListener;

  constructor(components: ReplicaComponents, init: ReplicaInit) {
    this.#storage = components.storage;
    this.#onChange = components.onChange ?? (() => {});
    this.#metrics = components.metrics ?? NOOP_REPLICA_METRICS;
    this.#localId = init.localId;
    this.#limits = init.limits ?? DEFAULT_VERSIONING_LIMITS;
    this.index = new PartitionIndex(
      components.storage,
      init.maxNamespaces ?? DEFAULT_MAX_NAMESPACES,
      init.uncappedNamespaces,
    );
  }

  /** This replica's id: the origin of every dot it mints in `coordinate`. */
  get localId(): ReplicaId {
    return this.#localId;
  }

  /**
   * Mint future dots under a new id. Needed once this replica deleted keys it had coordinated (handoff): it
   * no longer knows its highest counter for them, and reusing a dot under the old id would make two different
   * writes look like one to every other replica.
   */
  setLocalId(id: ReplicaId): void {
    this.#localId = id;
  }

  /** Loads the partition index (call once after construction, before `namespaces`). */
  loadNamespaces(): Promise<void> {
    return this.index.load();
  }

  /** Client namespaces this replica holds data in. */
  namespaces(): readonly Namespace[] {
    return this.index.namespaces();
  }

  /**
   * Delete the key only if its stored set is still exactly `expected` (byte-equal encodings): after its data
   * was handed to the new owners, a write that arrived meanwhile must stay until the next handoff. Resolves to
   * whether it deleted.
   */
  async removeIfUnchanged(
    ns: Namespace,
    key: Uint8Array,
    partition: number,
    expected: VSet,
  ): Promise<ReplicaResult<boolean>> {
    return this.#locked(ns, key, partition, async () => {
      const bytes = await this.#storage.get(ns, { partition, key });
      if (bytes === undefined) return ok(false);
      const d = decodeRecord(bytes, this.#limits);
      if (!d.ok || !bytesEqual(d.value.setBytes, encodeSet(expected))) return ok(false);
      await this.#storage.delete(ns, { partition, key });
      this.#onChange(ns, partition, key, stored(d.value), undefined);
      return ok(true);
    });
  }

  /** The key's set, or undefined if absent. Corrupt bytes are a typed error (and counted), never a throw. */
  async get(ns: Namespace, key: Uint8Array, partition: number): Promise<ReplicaResult<VSet | undefined>> {
    const r = await this.#read(ns, key, partition);
    return r.ok ? ok(r.value?.set) : r;
  }

  /**
   * The coordinating replica's write (riak_kv_vnode `coord_put`, dvvset `update/3`): discard what the
   * client's context covers, mint a fresh dot of `localId` for `value`, store, and return the new set
   * for the coordinator to replicate to the other owners. A corrupt record refuses the write: minting
   * over an unreadable clock could reuse a dot this replica already issued, which silently drops data
   * on every other replica.
   */
  async coordinate(
    ns: Namespace,
    key: Uint8Array,
    partition: number,
    clientContext: VersionVector,
    value: VersionedValue,
    nowMs: number,
    options: { readonly supersedeLocal?: boolean } = {},
  ): Promise<ReplicaResult<VSet>> {
    checkMs(nowMs);
    return this.#locked(ns, key, partition, async () => {
      const current = await this.#read(ns, key, partition);
      if (!current.ok) return current;
      const before = current.value?.set;
      // Last-writer-wins: a write stamped no earlier than everything held here covers it all, so local siblings
      // never pile up. One stamped earlier (a slower clock) stays a sibling and loses to them on reads.
      const supersede =
        options.supersedeLocal === true &&
        before !== undefined &&
        values(before).every((v) => compareStamps(v.ts, value.ts) <= 0);
      const context =
        supersede && before !== undefined ? mergeVv(clientContext, join(before)) : clientContext;
      const set = update(newWithContext(context, value), before, this.#localId);
      const bytes = encodeSet(set);
      const w = await this.#store(ns, partition, key, encodeRecordWithSetBytes(nowMs, bytes));
      if (!w.ok) return w;
      this.#onChange(ns, partition, key, stored(current.value), { set, bytes });
      return ok(set);
    });
  }

  /**
   * A replicated write or a read repair (riak_kv_vnode `put` without `coord`): sync the incoming set
   * into the stored one and write only if that changed anything, so repeated or stale deliveries cost
   * a read and nothing else. Sync is commutative, associative and idempotent, so replicas that saw
   * the same sets in any order store the same set.
   */
  async merge(
    ns: Namespace,
    key: Uint8Array,
    partition: number,
    incoming: VSet,
    nowMs: number,
  ): Promise<ReplicaResult<MergeOutcome>> {
    checkMs(nowMs);
    return this.#locked(ns, key, partition, async () => {
      const current = await this.#read(ns, key, partition);
      if (!current.ok) return current;
      const before = current.value?.set;
      const set = before === undefined ? incoming : sync(before, incoming, versionedValueEquals);
      const changed =
        before === undefined ? size(incoming) > 0 || incoming.entries.length > 0 : !equal(before, set);
      if (changed) {
        const bytes = encodeSet(set);
        const w = await this.#store(ns, partition, key, encodeRecordWithSetBytes(nowMs, bytes));
        if (!w.ok) return w;
        this.#onChange(ns, partition, key, stored(current.value), { set, bytes });
      }
      this.#metrics.merges(changed);
      return ok({ changed, set: before !== undefined && !changed ? before : set });
    });
  }

  /**
   * The stored tombstone set if the key may be reaped here: every sibling is a tombstone and it has
   * been so for at least `graceMs` (riak_kv `delete_mode`: keep tombstones a while so late replicated
   * writes still meet them). Undefined otherwise. The caller also needs all N primaries to hold the
   * tombstone (GetCore's reap candidate) before calling `reap` on each.
   */
  async reapable(
    ns: Namespace,
    key: Uint8Array,
    partition: number,
    nowMs: number,
    graceMs: number,
  ): Promise<ReplicaResult<VSet | undefined>> {
    checkMs(nowMs);
    checkMs(graceMs);
    const r = await this.#read(ns, key, partition);
    if (!r.ok) return r;
    const rec = r.value;
    const due = rec !== undefined && size(rec.set) > 0 && isDeleted(rec.set) && nowMs - rec.atMs >= graceMs;
    return ok(due ? rec.set : undefined);
  }

  /**
   * Delete the key only if its stored set is still exactly `expected` (byte-equal encodings) and
   * tombstone-only: a write that arrived since `reapable` changed the set, so it is kept (riak_kv's
   * final delete re-checks the object's vclock for the same reason). A compare-and-delete under the
   * key's lock.
   */
  async reap(
    ns: Namespace,
    key: Uint8Array,
    partition: number,
    expected: VSet,
  ): Promise<ReplicaResult<ReapOutcome>> {
    return this.#locked(ns, key, partition, async () => {
      const r = await this.#read(ns, key, partition);
      if (!r.ok) return r;
      if (r.value === undefined) return ok<ReapOutcome>('absent');
      const held = r.value.set;
      if (!isDeleted(held) || size(held) === 0 || !bytesEqual(r.value.setBytes, encodeSet(expected))) {
        return ok<ReapOutcome>('changed');
      }
      await this.#storage.delete(ns, { partition, key });
      this.#onChange(ns, partition, key, stored(r.value), undefined);
      this.#metrics.reaped();
      return ok<ReapOutcome>('reaped');
    });
  }

  /** Every key of a partition in key order, from a storage snapshot (handoff, anti-entropy). */
  async *iteratePartition(ns: Namespace, partition: number): AsyncIterable<PartitionEntry> {
    checkNamespace(ns);
    for await (const [k, bytes] of this.#storage.iterate(ns, { partition })) {
      const d = decodeRecord(bytes, this.#limits);
      if (d.ok) {
        yield { ok: true, key: k.key, set: d.value.set, setBytes: d.value.setBytes, atMs: d.value.atMs };
      } else {
        this.#metrics.corrupt();
        yield { ok: false, key: k.key, error: { kind: 'corrupt', error: d.error } };
      }
    }
  }

  /** Stores a record, listing its partition in the index first (refused past the namespace cap). */
  async #store(
    ns: Namespace,
    partition: number,
    key: Uint8Array,
    record: Uint8Array,
  ): Promise<ReplicaResult<void>> {
    this.index.enter(ns);
    try {
      const noted = await this.index.note(ns, partition);
      if (!noted.ok) {
        this.#metrics.namespaceLimit();
        return fail({ kind: 'namespace-limit', limit: noted.limit });
      }
      await this.#storage.put(ns, { partition, key }, record);
      return ok(undefined);
    } finally {
      this.index.leave(ns);
    }
  }

  async #read(
    ns: Namespace,
    key: Uint8Array,
    partition: number,
  ): Promise<ReplicaResult<DecodedRecord | undefined>> {
    checkNamespace(ns);
    return guardStorage(async () => {
      const bytes = await this.#storage.get(ns, { partition, key });
      if (bytes === undefined) return ok(undefined);
      const d = decodeRecord(bytes, this.#limits);
      if (d.ok) return ok(d.value);
      this.#metrics.corrupt();
      return fail({ kind: 'corrupt', error: d.error });
    });
  }

  #locked<T>(
    ns: Namespace,
    key: Uint8Array,
    partition: number,
    fn: () => Promise<ReplicaResult<T>>,
  ): Promise<ReplicaResult<T>> {
    checkNamespace(ns);
    return this.#lock.run(lockKey(ns, partition, key), () => guardStorage(fn));
  }
}

function stored(record: DecodedRecord | undefined): StoredSet | undefined {
  return record === undefined ? undefined : { set: record.set, bytes: record.setBytes };
}

/** A client namespace in the node's reserved space is a programmer error (the HTTP layer validates). */
function checkNamespace(ns: Namespace): void {
  if (ns.startsWith(RESERVED_NAMESPACE_PREFIX)) {
    throw new RangeError(`namespace ${JSON.stringify(ns)} is reserved for the node`);
  }
}
