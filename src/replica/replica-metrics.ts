/**
 * What the replica layer (the vnode's logic: DVV merges, tombstone reaping, hinted handoff) reports. Like
 * `membership-metrics.ts`, this file imports nothing, so the replica stays testable and metrics optional.
 * Every method is fire-and-forget and must never throw.
 */
export interface ReplicaMetrics {
  /** One replicated write or read repair applied by `merge`; `changed` is false when it was already known. */
  merges(changed: boolean): void;
  /** Stored bytes (a record or a hint) that failed to decode. Never expected: a disk or a bug. */
  corrupt(): void;
  /** Hints currently stored on this node (a gauge: set after every change). */
  hintsStored(n: number): void;
  /** Hints delivered and removed (a counter, incremented by `n`). */
  hintsDelivered(n: number): void;
  /** One tombstone removed from storage. */
  reaped(): void;
  /** One write refused because it would add a namespace past the node's limit. */
  namespaceLimit(): void;
}

export const NOOP_REPLICA_METRICS: ReplicaMetrics = Object.freeze({
  merges: () => {},
  corrupt: () => {},
  hintsStored: () => {},
  hintsDelivered: () => {},
  reaped: () => {},
  namespaceLimit: () => {},
});
