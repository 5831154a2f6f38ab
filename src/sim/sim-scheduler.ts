import type { Random } from '../runtime/random.js';
import type { Cancel, Scheduler } from '../runtime/scheduler.js';
import { periodic } from '../runtime/scheduler.js';
import type { VirtualClock, VirtualTime } from '../runtime/virtual.js';
import type { NodeHost } from './node-host.js';

const noop: Cancel = () => {};

/**
 * A node's timers on the shared virtual time. Durations are in the node's local (skewed) time; a timer that
 * comes due while the node is paused fires when it wakes (like a GC stall); after a crash every timer of this
 * incarnation is dead, and so is the scheduler itself.
 */
export class SimScheduler implements Scheduler {
  constructor(
    private readonly time: VirtualTime,
    private readonly host: NodeHost,
    private readonly epoch: number,
    private readonly clock: VirtualClock,
    private readonly random: Random,
  ) {}

  after(delayMs: number, fn: () => void): Cancel {
    const host = this.host;
    const epoch = this.epoch;
    if (host.epoch !== epoch) return noop;
    let cancelled = false;
    const ev = (): void => {
      if (cancelled || host.epoch !== epoch) return;
      if (host.state === 'paused') {
        host.hold(ev, false);
        return;
      }
      cancelled = true;
      fn();
    };
    const cancelEvent = this.time.at(this.time.now() + this.clock.toGlobalDuration(Math.max(0, delayMs)), ev);
    return () => {
      cancelled = true;
      cancelEvent();
    };
  }

  /**
   * Built on `after`, so a tick that comes due during a pause is held like any timer and the next period
   * is armed only when it runs: ticks missed during a stall coalesce into one, as node's setTimeout chains do.
   */
  every(intervalMs: number, fn: () => void, jitterMs = 0): Cancel {
    return periodic(
      (ms, f) => this.after(ms, f),
      intervalMs,
      fn,
      jitterMs,
      () => this.random.next(),
    );
  }
}
