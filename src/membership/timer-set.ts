/**
 * The one-shot timers of one membership instance (probe rounds, push/pull scheduling, join retries, leave):
 * each forgets itself when it fires or is cancelled, so stopping cancels exactly what is still pending.
 */
import type { Cancel, Scheduler } from '../runtime/scheduler.js';

export class TimerSet {
  private readonly pending = new Set<Cancel>();

  constructor(private readonly scheduler: Scheduler) {}

  /** Runs `fn` once after `delayMs` unless cancelled first (by the returned Cancel or by cancelAll). */
  after(delayMs: number, fn: () => void): Cancel {
    const cancelTimer = this.scheduler.after(delayMs, () => {
      this.pending.delete(cancel);
      fn();
    });
    const cancel: Cancel = () => {
      this.pending.delete(cancel);
      cancelTimer();
    };
    this.pending.add(cancel);
    return cancel;
  }

  cancelAll(): void {
    for (const cancel of [...this.pending]) cancel();
  }
}
