/**
 * Lifeguard's dynamic suspicion timer (Lifeguard §IV-B, memberlist `suspicion.go`). A suspicion starts
 * with the maximum timeout; each independent confirmation that the member is suspect shrinks it
 * logarithmically toward the minimum, reached after k confirmations. One accuser alone (possibly the
 * unhealthy party) waits long; several agreeing accusers declare the failure quickly.
 */
import type { Clock } from '../runtime/clock.js';
import type { Cancel, Scheduler } from '../runtime/scheduler.js';
import type { NodeId } from './member.js';

/**
 * The total timeout (measured from the start of the suspicion) after `n` of `k` confirmations:
 * max(min, max − (max − min) · log(n + 1) / log(k + 1)), floored to whole ms as memberlist does.
 * With k < 1 no confirmation is expected, so the timeout is fixed at min.
 */
export function suspicionTimeoutAfter(n: number, k: number, minMs: number, maxMs: number): number {
  if (k < 1) return minMs;
  const frac = Math.log(n + 1) / Math.log(k + 1);
  const raw = Math.floor(maxMs - frac * (maxMs - minMs));
  return Math.max(minMs, raw);
}

export interface SuspicionComponents {
  readonly scheduler: Scheduler;
  readonly clock: Clock;
}

export interface SuspicionInit {
  /** The member whose suspicion started the timer; it never counts as a confirmation (its own rumor may echo back). */
  readonly from: NodeId;
  /** Confirmations needed to reach the minimum timeout (memberlist: SuspicionMult − 2, 0 in tiny clusters). */
  readonly k: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** Called once when the timer expires, with the number of confirmations seen (for telemetry). */
  readonly onTimeout: (confirmations: number) => void;
}

export class Suspicion {
  private readonly scheduler: Scheduler;
  private readonly clock: Clock;
  private readonly k: number;
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly onTimeout: (confirmations: number) => void;
  private readonly confirmers = new Set<NodeId>();
  private readonly startMs: number;
  private n = 0;
  private cancelTimer: Cancel;
  /** Fired or stopped: the timer is never re-armed after either. */
  private done = false;

  constructor(components: SuspicionComponents, init: SuspicionInit) {
    if (!(init.minMs >= 0 && init.maxMs >= init.minMs)) {
      throw new RangeError(`suspicion needs 0 ≤ min ≤ max, got min ${init.minMs}, max ${init.maxMs}`);
    }
    this.scheduler = components.scheduler;
    this.clock = components.clock;
    this.k = init.k;
    this.minMs = init.minMs;
    this.maxMs = init.maxMs;
    this.onTimeout = init.onTimeout;
    this.confirmers.add(init.from);
    this.startMs = this.clock.now();
    this.cancelTimer = this.arm(suspicionTimeoutAfter(0, this.k, this.minMs, this.maxMs));
  }

  /** Independent confirmations counted so far (at most k). */
  get confirmations(): number {
    return this.n;
  }

  /** The current total timeout, measured from the start of the suspicion. */
  timeoutMs(): number {
    return suspicionTimeoutAfter(this.n, this.k, this.minMs, this.maxMs);
  }

  /**
   * Registers that `from` also suspects the member. Returns true when this was new information: false for
   * the original accuser, a repeated confirmer, or once k confirmations have been counted. A new
   * confirmation re-arms the timer to the remaining time of the shrunken timeout, firing at once when that
   * deadline has already passed.
   */
  confirm(from: NodeId): boolean {
    if (this.n >= this.k) return false;
    if (this.confirmers.has(from)) return false;
    this.confirmers.add(from);
    this.n++;
    if (!this.done) {
      this.cancelTimer();
      const elapsedMs = this.clock.now() - this.startMs;
      this.cancelTimer = this.arm(this.timeoutMs() - elapsedMs);
    }
    return true;
  }

  /** Cancels the timer (the member refuted or was declared dead by other means). Idempotent. */
  stop(): void {
    this.done = true;
    this.cancelTimer();
  }

  /**
   * A deadline already in the past is scheduled with delay 0 rather than called inline, so the callback
   * never re-enters the caller of confirm() (memberlist runs it on a new goroutine for the same reason).
   */
  private arm(delayMs: number): Cancel {
    return this.scheduler.after(Math.max(0, delayMs), () => {
      if (this.done) return;
      this.done = true;
      this.onTimeout(this.n);
    });
  }
}
