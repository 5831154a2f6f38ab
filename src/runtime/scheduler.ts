/** Cancels a timer; calling it twice, or after the timer fired, is harmless. */
export type Cancel = () => void;

/**
 * Timers for protocol code. The real implementation wraps node timers; the virtual one is driven by
 * the simulator's event queue, so the same code runs in both.
 */
export interface Scheduler {
  /** Runs `fn` once, `delayMs` from now (clamped to ≥ 0). */
  after(delayMs: number, fn: () => void): Cancel;
  /**
   * Runs `fn` every `intervalMs`. Each period is drawn uniformly from
   * [intervalMs − jitterMs, intervalMs + jitterMs] (clamped to ≥ 1 ms) so that nodes started together do not
   * fire in lock-step; jitter comes from the scheduler's own Random, never Math.random.
   */
  every(intervalMs: number, fn: () => void, jitterMs?: number): Cancel;
}

/** Validates timer arguments once, for every Scheduler implementation. */
export function checkInterval(intervalMs: number, jitterMs: number): void {
  if (!(Number.isFinite(intervalMs) && intervalMs > 0)) {
    throw new RangeError(`interval must be a positive finite number of ms, got ${intervalMs}`);
  }
  if (!(Number.isFinite(jitterMs) && jitterMs >= 0 && jitterMs < intervalMs)) {
    throw new RangeError(`jitter must be in [0, interval), got ${jitterMs} for interval ${intervalMs}`);
  }
}

/** The next period of a jittered periodic timer: uniform in [interval − jitter, interval + jitter], ≥ 1 ms. */
export function jitteredPeriod(intervalMs: number, jitterMs: number, unit: () => number): number {
  if (jitterMs === 0) return intervalMs;
  return Math.max(1, intervalMs - jitterMs + unit() * 2 * jitterMs);
}

/**
 * A jittered periodic timer built from one-shot timers, re-armed before each call so a slow `fn` does not
 * shift the schedule and a `fn` that cancels its own timer stops it. Shared by every Scheduler.
 */
export function periodic(
  after: (delayMs: number, fn: () => void) => Cancel,
  intervalMs: number,
  fn: () => void,
  jitterMs: number,
  unit: () => number,
): Cancel {
  checkInterval(intervalMs, jitterMs);
  let cancelled = false;
  let cancelNext: Cancel = () => {};
  const arm = (): void => {
    cancelNext = after(jitteredPeriod(intervalMs, jitterMs, unit), tick);
  };
  const tick = (): void => {
    if (cancelled) return;
    arm();
    fn();
  };
  arm();
  return () => {
    cancelled = true;
    cancelNext();
  };
}
