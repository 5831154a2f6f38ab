/** The request path's tunables (part of the store's config, src/node/store-config.ts), with Riak's or Cassandra's names. */
export interface CoordinatorConfig {
  /**
   * Default time a request waits for its quorum before answering 503 (`?timeout=` overrides per request).
   * Cassandra: read 5 s / write 2 s; Riak 60 s. Longer hides failures from clients, shorter turns GC pauses
   * of one replica into errors.
   */
  readonly requestTimeoutMs: number;
  /** Largest `?timeout=` a client may ask for. */
  readonly maxRequestTimeoutMs: number;
  /**
   * Sloppy quorum with hinted handoff (Dynamo §4.6) for non-strict namespaces: an unreachable primary is
   * replaced by the next up node of the preference list, which keeps the write as a hint. Off: writes and
   * reads count primaries only.
   */
  readonly sloppyQuorum: boolean;
  /**
   * Read repair waits before answering (`sync`) or runs after the answer (`async`, Riak's behaviour);
   * `?repair=sync` asks for it per request.
   */
  readonly readRepair: 'async' | 'sync';
  /**
   * How long a tombstone held by all N primaries is kept before it is reaped (Riak `delete_mode`, default
   * 3 s; Cassandra `gc_grace_seconds`). Longer protects against a late replica or hint resurrecting the
   * deleted value; shorter frees space sooner.
   */
  readonly tombstoneGraceMs: number;
  /**
   * LWW namespaces: a stamp read from a replica that is more than this ahead of our wall clock is not adopted
   * into our hybrid logical clock, so one node with a clock far in the future cannot drag every clock with it
   * (CockroachDB's max offset, default 500 ms).
   */
  readonly maxClockOffsetMs: number;
  /** Largest value in bytes; larger bodies get 413 before anything is stored. Riak warns at 5 MiB. */
  readonly maxValueBytes: number;
}
