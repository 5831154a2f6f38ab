import type { Clock } from './clock.js';
import type { Scheduler } from './scheduler.js';

/**
 * A token bucket on the injected clock and scheduler (so it runs in virtual time too): `take()` resolves at
 * once while tokens last and otherwise when the next token is due, refilling at `ratePerSecond` up to `burst`.
 * Anti-entropy takes one token per repaired key, so repair traffic has a ceiling whatever the divergence.
 */
export class TokenBucket {
  readonly #clock: Clock;
  readonly #scheduler: Scheduler;
  readonly #ratePerMs: number;
  readonly #burst: number;
  #tokens: number;
  #at: number;
  /** Waiters in arrival order; each gets one token. */
  #queue: Promise<void> = Promise.resolve();

  constructor(clock: Clock, scheduler: Scheduler, ratePerSecond: number, burst: number) {
    if (!(ratePerSecond > 0) || !(burst >= 1))
      throw new RangeError('token bucket needs rate > 0 and burst ≥ 1');
    this.#clock = clock;
    this.#scheduler = scheduler;
    this.#ratePerMs = ratePerSecond / 1000;
    this.#burst = burst;
    this.#tokens = burst;
    this.#at = clock.now();
  }

  take(): Promise<void> {
    const next = this.#queue.then(() => this.#takeOne());
    this.#queue = next;
    return next;
  }

  async #takeOne(): Promise<void> {
    this.#refill();
    if (this.#tokens < 1) {
      const waitMs = (1 - this.#tokens) / this.#ratePerMs;
      await new Promise<void>((resolve) => this.#scheduler.after(waitMs, resolve));
      this.#refill();
    }
    this.#tokens -= 1;
  }

  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#ratePerMs);
    this.#at = now;
  }
}
