import type { RepairReason } from './get-core.js';

/**
 * What the request drivers report (DESIGN.md §11: quorum latencies by op, read repairs, sibling counts).
 * Imports nothing heavy, so coordinators stay testable without prom-client; every method must never throw.
 */
export type KvOp = 'get' | 'put' | 'delete';
export type KvOutcome = 'ok' | 'notfound' | 'unavailable' | 'invalid';

export interface CoordinatorMetrics {
  /** One client request finished; `quorum` is its r or w, as a number. */
  request(op: KvOp, outcome: KvOutcome, quorum: number, durationMs: number): void;
  /** One replica repaired by a read, by why it was behind. */
  readRepair(reason: RepairReason): void;
  /** Siblings a successful read returned (1 for a plain value). */
  siblings(count: number): void;
  /** Keys handed to their new owners after an ownership change, and deleted here. */
  handedOff(count: number): void;
}

export const NOOP_COORDINATOR_METRICS: CoordinatorMetrics = Object.freeze({
  request: () => {},
  readRepair: () => {},
  siblings: () => {},
  handedOff: () => {},
});
