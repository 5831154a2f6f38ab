/**
 * The pure core of a write (DESIGN.md §9), after riak_kv_put_core: count replica acknowledgements
 * until W, or until so many failed that W is out of reach. It also remembers who acked (`acked`), so
 * the caller knows which replicas missed the write (to send them a data rumor). No I/O, no
 * clock; immutable, like GetCore.
 *
 * Riak separates W (the vnode received the write) from DW (the backend stored it). A hearsay
 * replica acknowledges only after its storage engine accepted the write, so every ack is both;
 * `dw` is accepted for the API's sake and the core waits for max(w, dw) acks.
 */

export type PutReplicaResult = { readonly kind: 'ok' } | { readonly kind: 'error'; readonly reason?: string };

export interface PutCoreConfig {
  /** Replicas written (the key's N). */
  readonly n: number;
  /** Acks needed to answer, already resolved to [1, n] (quorum.ts). */
  readonly w: number;
  /** Durable acks needed, in [1, n]; see the module comment. */
  readonly dw?: number;
}

export type PutResponse<Id> =
  | { readonly kind: 'ok' }
  | {
      readonly kind: 'unavailable';
      readonly needed: number;
      readonly got: number;
      readonly errors: readonly { readonly replica: Id; readonly reason: string }[];
    };

interface Ack<Id> {
  readonly replica: Id;
  readonly result: PutReplicaResult;
}

export class PutCore<Id = string> {
  private constructor(
    readonly n: number,
    /** Effective acks needed: max(w, dw). */
    readonly needed: number,
    readonly replies: readonly Ack<Id>[],
  ) {}

  static create<Id = string>(config: PutCoreConfig): PutCore<Id> {
    const { n, w, dw } = config;
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
    if (!Number.isSafeInteger(w) || w < 1 || w > n) throw new RangeError(`w must be in [1, ${n}], got ${w}`);
    if (dw !== undefined && (!Number.isSafeInteger(dw) || dw < 1 || dw > n)) {
      throw new RangeError(`dw must be in [1, ${n}], got ${dw}`);
    }
    return new PutCore<Id>(n, Math.max(w, dw ?? 1), []);
  }

  /** Record one replica's reply; a duplicate from the same replica is ignored (first answer wins). */
  addResult(replica: Id, result: PutReplicaResult): PutCore<Id> {
    if (this.replies.some((x) => x.replica === replica)) return this;
    if (this.replies.length >= this.n) throw new Error(`put core: more than n=${this.n} replicas replied`);
    return new PutCore(this.n, this.needed, [...this.replies, { replica, result }]);
  }

  /** Replicas that acknowledged, in reply order. */
  get acked(): readonly Id[] {
    return this.replies.flatMap((x) => (x.result.kind === 'ok' ? [x.replica] : []));
  }

  /** Replicas that answered with an error, in reply order. */
  get failed(): readonly Id[] {
    return this.replies.flatMap((x) => (x.result.kind === 'error' ? [x.replica] : []));
  }

  /** W acks, or more than N − W failures (riak_kv_put_core: W can no longer be reached). */
  enough(): boolean {
    return this.acked.length >= this.needed || this.failed.length > this.n - this.needed;
  }

  hasAllResults(): boolean {
    return this.replies.length >= this.n;
  }

  /** Meaningful once `enough()` or on timeout. */
  response(): PutResponse<Id> {
    const got = this.acked.length;
    if (got >= this.needed) return { kind: 'ok' };
    return {
      kind: 'unavailable',
      needed: this.needed,
      got,
      errors: this.replies.flatMap((x) =>
        x.result.kind === 'error' ? [{ replica: x.replica, reason: x.result.reason ?? 'error' }] : [],
      ),
    };
  }
}
