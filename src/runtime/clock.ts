/**
 * Time as seen by protocol code. Injected everywhere below the HTTP layer so a whole cluster can
 * run in virtual time (DESIGN.md §1–§2).
 */
export interface Clock {
  /** Monotonic milliseconds since an arbitrary origin. Use for timeouts and intervals. */
  now(): number;
  /** Milliseconds since the Unix epoch, as this node believes it (may be skewed). Use only for HLCs and logs. */
  wallMs(): number;
}
