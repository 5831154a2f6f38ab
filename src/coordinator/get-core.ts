import { type DvvSet, equal, join, syncAll } from '../versioning/dvvset.js';
import { EMPTY_VV, type VersionVector } from '../versioning/version-vector.js';
import { isDeleted, type VersionedValue, versionedValueEquals } from '../versioning/versioned-value.js';

/**
 * The pure core of a read (DESIGN.md §9), after riak_kv_get_core: the driver feeds it one reply per
 * replica (`addResult`), asks whether it may answer (`enough`), what to answer (`response`), and,
 * once every replica replied or the request timed out, what to do afterwards (`finalAction`: nop,
 * read repair, or a reap candidate). No I/O, no clock: the driver owns sends and timeouts.
 *
 * Immutable: every `addResult` returns a new core, so a test can branch a history at any point.
 */

/** What one replica answered. A `found` set is the replica's whole state for the key. */
export type GetReplicaResult =
  | { readonly kind: 'found'; readonly set: DvvSet<VersionedValue> }
  | { readonly kind: 'notfound' }
  | { readonly kind: 'error'; readonly reason: string };

export interface GetCoreConfig {
  /** Replicas asked (the key's N). */
  readonly n: number;
  /**
   * Successful replies needed to answer, already resolved to [1, n] (quorum.ts). A notfound is a
   * success, as with Riak's default `notfound_ok = true`: a replica with nothing is a valid, if stale,
   * answer (read repair then gives it the value). Riak's `notfound_ok = false` and `basic_quorum` are
   * not offered.
   */
  readonly r: number;
}

/** The client's answer. `context` is the clock a later write must carry to supersede what was read. */
export type GetResponse<Id> =
  | { readonly kind: 'ok'; readonly merged: DvvSet<VersionedValue>; readonly context: VersionVector }
  // Every sibling a tombstone (or no replica had the key): 404. The context is non-empty when
  // tombstones were seen, so a write after a delete supersedes the tombstone instead of siblinging it.
  | { readonly kind: 'notfound'; readonly context: VersionVector }
  | {
      readonly kind: 'unavailable';
      readonly needed: number;
      readonly got: number;
      readonly errors: readonly { readonly replica: Id; readonly reason: string }[];
    };

export type RepairReason = 'notfound' | 'outofdate';

export type GetFinalAction<Id> =
  | { readonly kind: 'nop' }
  | {
      readonly kind: 'read-repair';
      /** Write `merged` (a sync, not a new dot) to each of these replicas. */
      readonly replicas: readonly { readonly replica: Id; readonly reason: RepairReason }[];
      readonly merged: DvvSet<VersionedValue>;
    }
  | {
      // riak_kv_get_core `delete`: every one of the N replicas holds the same tombstone-only set.
      // A reap candidate only: the driver still checks the grace period and that all were primaries.
      readonly kind: 'delete';
      readonly context: VersionVector;
      readonly replicas: readonly Id[];
    };

interface Reply<Id> {
  readonly replica: Id;
  readonly result: GetReplicaResult;
}

export class GetCore<Id = string> {
  private constructor(
    readonly n: number,
    readonly r: number,
    readonly replies: readonly Reply<Id>[],
  ) {}

  static create<Id = string>(config: GetCoreConfig): GetCore<Id> {
    const { n, r } = config;
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
    if (!Number.isSafeInteger(r) || r < 1 || r > n) throw new RangeError(`r must be in [1, ${n}], got ${r}`);
    return new GetCore<Id>(n, r, []);
  }

  /**
   * Record one replica's reply. A second reply from the same replica (a retransmit) is ignored:
   * the first answer counts, so a duplicate cannot fake a quorum. More than N distinct replicas is
   * a driver bug.
   */
  addResult(replica: Id, result: GetReplicaResult): GetCore<Id> {
    if (this.replies.some((x) => x.replica === replica)) return this;
    if (this.replies.length >= this.n) throw new Error(`get core: more than n=${this.n} replicas replied`);
    return new GetCore(this.n, this.r, [...this.replies, { replica, result }]);
  }

  /** Replies that count towards R: found sets (tombstones included) and notfounds. */
  get successes(): number {
    return this.replies.length - this.failures;
  }

  /** Replies that failed: errors. */
  get failures(): number {
    return this.replies.filter((x) => x.result.kind === 'error').length;
  }

  /**
   * riak_kv_get_core `enough/1`: R met, or failures reached riak_kv_get_fsm's fail_threshold,
   * N − R + 1 (one more failure and R is out of reach).
   */
  enough(): boolean {
    return this.successes >= this.r || this.failures >= this.n - this.r + 1;
  }

  hasAllResults(): boolean {
    return this.replies.length >= this.n;
  }

  /**
   * The merged state of every found reply so far (riak_kv_get_core merges all results, not just the
   * first R). Undefined when nothing was found.
   */
  merged(): DvvSet<VersionedValue> | undefined {
    const sets = this.foundSets().map((x) => x.set);
    return sets.length === 0 ? undefined : syncAll(sets, versionedValueEquals);
  }

  /** riak_kv_get_core `response/1`; meaningful once `enough()` or on timeout. */
  response(): GetResponse<Id> {
    if (this.successes >= this.r) return answer(this.merged());
    return {
      kind: 'unavailable',
      needed: this.r,
      got: this.successes,
      errors: this.replies.flatMap((x) =>
        x.result.kind === 'error' ? [{ replica: x.replica, reason: x.result.reason }] : [],
      ),
    };
  }

  /**
   * riak_kv_get_core `final_action/1`, called once all N replied or on timeout. Read repair goes to
   * every found replica whose state is not causally equal to the merge (strictly older, or same clock
   * but still holding a sibling someone discarded), and to every notfound replica once anything,
   * even a tombstone, was found (repairing tombstones is what lets them be reaped). Errored or
   * silent replicas are not repaired: we do not know their state; anti-entropy covers them.
   */
  finalAction(): GetFinalAction<Id> {
    const merged = this.merged();
    if (merged === undefined) return { kind: 'nop' };
    const replicas = this.replies.flatMap((x): { replica: Id; reason: RepairReason }[] => {
      if (x.result.kind === 'notfound') return [{ replica: x.replica, reason: 'notfound' }];
      if (x.result.kind === 'found' && !equal(x.result.set, merged)) {
        return [{ replica: x.replica, reason: 'outofdate' }];
      }
      return [];
    });
    if (replicas.length > 0) return { kind: 'read-repair', replicas, merged };
    // No repairs, so every found replica holds exactly `merged`; all N must have answered so.
    const found = this.foundSets();
    if (isDeleted(merged) && found.length === this.n) {
      return { kind: 'delete', context: join(merged), replicas: found.map((x) => x.replica) };
    }
    return { kind: 'nop' };
  }

  private foundSets(): { replica: Id; set: DvvSet<VersionedValue> }[] {
    return this.replies.flatMap((x) =>
      x.result.kind === 'found' ? [{ replica: x.replica, set: x.result.set }] : [],
    );
  }
}

function answer<Id>(merged: DvvSet<VersionedValue> | undefined): GetResponse<Id> {
  if (merged === undefined) return { kind: 'notfound', context: EMPTY_VV };
  if (isDeleted(merged)) return { kind: 'notfound', context: join(merged) };
  return { kind: 'ok', merged, context: join(merged) };
}
