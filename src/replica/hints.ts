import { type Logger, SILENT_LOGGER } from '../runtime/logger.js';
import type { Namespace, Storage } from '../storage/storage.js';
import { type DvvSet, sync } from '../versioning/dvvset.js';
import { DEFAULT_VERSIONING_LIMITS, type VersioningLimits } from '../versioning/limits.js';
import { type VersionedValue, versionedValueEquals } from '../versioning/versioned-value.js';
import { KeyLock, lockKey } from './key-lock.js';
import { bytesEqual, checkMs, decodeRecord, encodeRecord } from './record.js';
import { fail, guardStorage, ok, type ReplicaError, type ReplicaResult } from './replica-error.js';
import { NOOP_REPLICA_METRICS, type ReplicaMetrics } from './replica-metrics.js';

/**
 * Durable hinted handoff (DESIGN.md §8, Dynamo §4.6): a fallback that accepted a write for an
 * unreachable owner keeps it here until the owner is back. riak_kv keeps the data in a fallback vnode
 * and hands the whole partition off; we keep per-key hints, which survive restarts (same `Storage`) and
 * are bounded.
 *
 * Layout, all under reserved (NUL-prefixed) namespaces of the replica's storage:
 * - `\0hints` partition 0: an index, key `u8 len | target | ns` → marker, so `targets()` and
 *   `hintsFor()` find the per-(target, ns) namespaces after a restart;
 * - `\0hint:<len>:<target>:<ns>`: the hints, under the original (partition, key), value a record
 *   envelope (`record.ts`) whose time is when the hint was first stored.
 *
 * One hint per (target, ns, partition, key): a second hint for it is DVV-synced into the first, so
 * retries and repeated writes while a node is down never grow the store beyond one set per key.
 */
export const HINT_INDEX_NAMESPACE = '\u0000hints';
const INDEX_PARTITION = 0;
const INDEX_MARKER = Uint8Array.of(1);

/** Default bound on stored hints (keys, not bytes): past it `addHint` fails with `full`. */
export const DEFAULT_MAX_HINTS = 100_000;

export interface HintStoreComponents {
  readonly storage: Storage;
  readonly metrics?: ReplicaMetrics;
  /** An unreadable index entry skipped at open is logged here at warn. */
  readonly logger?: Logger;
}

export interface HintStoreInit {
  /**
   * Most hints held at once. A full store refuses new hints (the write then simply lacks its fallback
   * copy and anti-entropy repairs the owner later); too high lets a long outage fill the disk.
   */
  readonly maxHints?: number;
  readonly limits?: VersioningLimits;
}

/** A stored hint as listed; `bytes` is what `removeHint` compares against (remove-if-unchanged). */
export type HintEntry = {
  readonly target: string;
  readonly ns: Namespace;
  readonly partition: number;
  readonly key: Uint8Array;
  readonly bytes: Uint8Array;
} & (
  | { readonly ok: true; readonly set: DvvSet<VersionedValue>; readonly addedMs: number }
  | { readonly ok: false; readonly error: ReplicaError }
);

export interface AddHintOutcome {
  /** True when an existing hint for the key absorbed this one. */
  readonly merged: boolean;
  readonly set: DvvSet<VersionedValue>;
}

interface Group {
  readonly target: string;
  readonly ns: Namespace;
  count: number;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function hintNamespace(target: string, ns: Namespace): string {
  // The target's length makes the name unambiguous whatever characters target and ns contain.
  return `${HINT_INDEX_NAMESPACE}:${target.length}:${target}:${ns}`;
}

function indexKey(target: string, ns: Namespace): Uint8Array {
  const t = utf8.encode(target);
  const n = utf8.encode(ns);
  if (t.length === 0 || t.length > 255) throw new RangeError('hint target must be 1..255 UTF-8 bytes');
  const out = new Uint8Array(1 + t.length + n.length);
  out[0] = t.length;
  out.set(t, 1);
  out.set(n, 1 + t.length);
  return out;
}

function parseIndexKey(k: Uint8Array): { readonly target: string; readonly ns: string } | undefined {
  const len = k[0];
  if (len === undefined || len === 0 || k.length < 1 + len) return undefined;
  try {
    return {
      target: utf8Decoder.decode(k.subarray(1, 1 + len)),
      ns: utf8Decoder.decode(k.subarray(1 + len)),
    };
  } catch {
    return undefined;
  }
}

export class HintStore {
  readonly maxHints: number;
  readonly #storage: Storage;
  readonly #metrics: ReplicaMetrics;
  readonly #log: Logger;
  readonly #limits: VersioningLimits;
  readonly #lock = new KeyLock();
  /** Hints per (target, ns), keyed by the hint namespace: loaded at open, kept in step afterwards. */
  readonly #groups = new Map<string, Group>();
  #total = 0;

  private constructor(components: HintStoreComponents, init: HintStoreInit) {
    this.#storage = components.storage;
    this.#metrics = components.metrics ?? NOOP_REPLICA_METRICS;
    this.#log = components.logger ?? SILENT_LOGGER;
    this.#limits = init.limits ?? DEFAULT_VERSIONING_LIMITS;
    this.maxHints = init.maxHints ?? DEFAULT_MAX_HINTS;
    if (!Number.isSafeInteger(this.maxHints) || this.maxHints < 1) {
      throw new RangeError(`maxHints must be a positive integer, got ${this.maxHints}`);
    }
  }

  /** Opens over `storage`, counting the hints a previous run left (and dropping empty index entries). */
  static async open(components: HintStoreComponents, init: HintStoreInit = {}): Promise<HintStore> {
    const store = new HintStore(components, init);
    await store.#load();
    return store;
  }

  /** Hints currently stored. */
  get count(): number {
    return this.#total;
  }

  /** Nodes with at least one hint waiting, sorted. */
  targets(): readonly string[] {
    const out = new Set<string>();
    for (const g of this.#groups.values()) if (g.count > 0) out.add(g.target);
    return [...out].sort();
  }

  /**
   * Keep `set` for `target` (which owns `ns`/`partition`/`key` but was unreachable). A hint already
   * stored for the key is synced with it; a new key when `maxHints` are held fails with `full`.
   * Durable once the promise resolves (the storage's guarantee).
   */
  async addHint(
    target: string,
    ns: Namespace,
    key: Uint8Array,
    partition: number,
    set: DvvSet<VersionedValue>,
    nowMs: number,
  ): Promise<ReplicaResult<AddHintOutcome>> {
    checkMs(nowMs);
    const hns = hintNamespace(target, ns);
    const ik = indexKey(target, ns);
    return this.#lock.run(lockKey(hns, partition, key), () =>
      guardStorage(async () => {
        const existing = await this.#storage.get(hns, { partition, key });
        if (existing !== undefined) {
          const d = decodeRecord(existing, this.#limits);
          // A corrupt hint is unreadable anyway; the new set replaces it. Hints never mint dots, so
          // unlike a replica's record nothing can be reused by overwriting it.
          if (!d.ok) this.#metrics.corrupt();
          const merged = d.ok ? sync(d.value.set, set, versionedValueEquals) : set;
          const addedMs = d.ok ? d.value.atMs : nowMs;
          await this.#storage.put(hns, { partition, key }, encodeRecord({ atMs: addedMs, set: merged }));
          return ok({ merged: true, set: merged });
        }
        if (this.#total >= this.maxHints) return fail({ kind: 'full', limit: this.maxHints });
        // Reserve the slot before awaiting, so concurrent adds of different keys cannot overshoot.
        const group = this.#group(hns, target, ns);
        group.count++;
        this.#total++;
        try {
          await this.#storage.batch([
            {
              type: 'put',
              ns: HINT_INDEX_NAMESPACE,
              key: { partition: INDEX_PARTITION, key: ik },
              value: INDEX_MARKER,
            },
            { type: 'put', ns: hns, key: { partition, key }, value: encodeRecord({ atMs: nowMs, set }) },
          ]);
        } catch (e) {
          group.count--;
          this.#total--;
          throw e;
        }
        this.#metrics.hintsStored(this.#total);
        return ok({ merged: false, set });
      }),
    );
  }

  /** The hint held for `target` on one key (a sloppy read asks a fallback for it), or undefined. */
  async hint(
    target: string,
    ns: Namespace,
    key: Uint8Array,
    partition: number,
  ): Promise<ReplicaResult<DvvSet<VersionedValue> | undefined>> {
    return guardStorage(async () => {
      const bytes = await this.#storage.get(hintNamespace(target, ns), { partition, key });
      if (bytes === undefined) return ok(undefined);
      const d = decodeRecord(bytes, this.#limits);
      if (d.ok) return ok(d.value.set);
      this.#metrics.corrupt();
      return fail({ kind: 'corrupt', error: d.error });
    });
  }

  /** Every hint for `target`, grouped by namespace, in key order. Corrupt ones come out as errors. */
  async *hintsFor(target: string): AsyncIterable<HintEntry> {
    const groups = [...this.#groups.entries()].filter(([, g]) => g.target === target && g.count > 0);
    for (const [hns, g] of groups) {
      for await (const [k, bytes] of this.#storage.iterate(hns)) {
        const base = { target, ns: g.ns, partition: k.partition, key: k.key, bytes };
        const d = decodeRecord(bytes, this.#limits);
        if (d.ok) {
          yield { ...base, ok: true, set: d.value.set, addedMs: d.value.atMs };
        } else {
          this.#metrics.corrupt();
          yield { ...base, ok: false, error: { kind: 'corrupt', error: d.error } };
        }
      }
    }
  }

  /**
   * Remove a delivered hint, but only if it is still byte-for-byte what was delivered: a write merged
   * in since then must be delivered too, so the hint stays. Resolves to whether it was removed.
   */
  async removeHint(hint: HintEntry): Promise<ReplicaResult<boolean>> {
    const hns = hintNamespace(hint.target, hint.ns);
    const { partition, key } = hint;
    return this.#lock.run(lockKey(hns, partition, key), () =>
      guardStorage(async () => {
        const stored = await this.#storage.get(hns, { partition, key });
        if (stored === undefined || !bytesEqual(stored, hint.bytes)) return ok(false);
        await this.#storage.delete(hns, { partition, key });
        // The index entry stays until the next open: deleting it here could race an add of another
        // key in the same group, and a hint whose index entry is gone would be invisible after restart.
        const group = this.#groups.get(hns);
        if (group !== undefined) group.count--;
        this.#total--;
        this.#metrics.hintsStored(this.#total);
        this.#metrics.hintsDelivered(1);
        return ok(true);
      }),
    );
  }

  #group(hns: string, target: string, ns: Namespace): Group {
    let g = this.#groups.get(hns);
    if (g === undefined) {
      g = { target, ns, count: 0 };
      this.#groups.set(hns, g);
    }
    return g;
  }

  async #load(): Promise<void> {
    const stale: Uint8Array[] = [];
    for await (const [k] of this.#storage.iterate(HINT_INDEX_NAMESPACE, { partition: INDEX_PARTITION })) {
      const parsed = parseIndexKey(k.key);
      if (parsed === undefined) {
        this.#log.warn(
          { key: Buffer.from(k.key).toString('hex') },
          'skipping an unreadable hint index entry',
        );
        continue;
      }
      const hns = hintNamespace(parsed.target, parsed.ns);
      const g = this.#group(hns, parsed.target, parsed.ns);
      for await (const _ of this.#storage.iterate(hns)) g.count++;
      this.#total += g.count;
      if (g.count === 0) {
        this.#groups.delete(hns);
        stale.push(k.key);
      }
    }
    if (stale.length > 0) {
      await this.#storage.batch(
        stale.map((key) => ({
          type: 'del',
          ns: HINT_INDEX_NAMESPACE,
          key: { partition: INDEX_PARTITION, key },
        })),
      );
    }
    this.#metrics.hintsStored(this.#total);
  }
}
