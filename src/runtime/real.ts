import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Clock } from './clock.js';
import { type Random, seededRandom } from './random.js';
import { type Cancel, periodic, type Scheduler } from './scheduler.js';

/** The process's monotonic clock (performance.now) and the system wall clock. */
export class RealClock implements Clock {
  now(): number {
    return performance.now();
  }
  wallMs(): number {
    return Date.now();
  }
}

/** Node timers. Timers are unref'd so a forgotten timer never keeps a process alive on its own. */
export class RealScheduler implements Scheduler {
  constructor(private readonly random: Random) {}

  after(delayMs: number, fn: () => void): Cancel {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref();
    return () => clearTimeout(t);
  }

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

/** A generator seeded from the OS CSPRNG, for production nodes (tests pass explicit seeds). */
export function realRandom(): Random {
  return seededRandom(randomBytes(4).readUInt32LE(0));
}

/** The runtime of a real node: wall-clock time, node timers, an OS-seeded PRNG. */
export interface Runtime {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly random: Random;
}

export function realRuntime(random: Random = realRandom()): Runtime {
  return { clock: new RealClock(), scheduler: new RealScheduler(random.fork()), random };
}
