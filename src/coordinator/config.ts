import { ConfigProblems } from '../runtime/config-problems.js';

/** The request path's tunables: the store config's `request` section (src/node/store-config.ts). */
export interface CoordinatorConfig {
  /**
   * Default time a request waits for its quorum before answering 503 (`?timeout=` overrides per request).
   * Cassandra: read 5 s / write 2 s; Riak 60 s. Longer hides failures from clients, shorter turns GC pauses
   * of one replica into errors.
   */
  readonly timeoutMs: number;
  /** Largest `?timeout=` a client may ask for. */
  readonly maxTimeoutMs: number;
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

const SECOND_MS = 1000;

/** The default `maxTimeoutMs`; the CLI refuses a larger `--timeout` with it, so both agree. */
export const MAX_REQUEST_TIMEOUT_MS = 60 * SECOND_MS;

export function defaultCoordinatorConfig(): CoordinatorConfig {
  return {
    timeoutMs: 5 * SECOND_MS,
    maxTimeoutMs: MAX_REQUEST_TIMEOUT_MS,
    sloppyQuorum: true,
    readRepair: 'async',
    tombstoneGraceMs: 10 * SECOND_MS,
    maxClockOffsetMs: 500,
    maxValueBytes: 1024 * 1024,
  };
}

/** Every problem with the section, each naming its field under `prefix` (empty when valid). */
export function coordinatorConfigErrors(c: CoordinatorConfig, prefix = 'request.'): readonly string[] {
  const p = new ConfigProblems(prefix);
  p.int('timeoutMs', c.timeoutMs, 1);
  p.int('maxTimeoutMs', c.maxTimeoutMs, c.timeoutMs);
  p.bool('sloppyQuorum', c.sloppyQuorum);
  p.oneOf('readRepair', c.readRepair, ['async', 'sync']);
  p.int('tombstoneGraceMs', c.tombstoneGraceMs, 0);
  p.int('maxClockOffsetMs', c.maxClockOffsetMs, 0);
  p.int('maxValueBytes', c.maxValueBytes, 1);
  return p.list;
}
