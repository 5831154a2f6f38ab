import type { Clock } from './clock.js';
import type { Random } from './random.js';
import { type Cancel, periodic, type Scheduler } from './scheduler.js';

interface TimedEvent {
  readonly atMs: number;
  /** Insertion order: ties at the same instant run first-scheduled first, so runs are reproducible. */
  readonly seq: number;
  fn: (() => void) | null;
}

/**
 * A discrete-event loop in virtual time: a binary min-heap of (time, seq) events. Nothing here reads the
 * wall clock, so a simulation advances as fast as the CPU allows and replays exactly.
 */
export class VirtualTime {
  private heap: TimedEvent[] = [];
  private seq = 0;
  private nowMs = 0;
  private executed = 0;

  /** Current virtual time in ms. */
  now(): number {
    return this.nowMs;
  }

  /** Events run so far (cancelled ones excluded). */
  get eventsRun(): number {
    return this.executed;
  }

  /** Pending (possibly cancelled) events. */
  get pending(): number {
    return this.heap.length;
  }

  /** Schedules `fn` at absolute virtual time `atMs` (never earlier than now). */
  at(atMs: number, fn: () => void): Cancel {
    const ev: TimedEvent = { atMs: Math.max(atMs, this.nowMs), seq: this.seq++, fn };
    this.push(ev);
    return () => {
      ev.fn = null;
    };
  }

  /** Runs the next event, if any. Returns false when the queue is empty. */
  step(): boolean {
    for (;;) {
      const ev = this.pop();
      if (ev === undefined) return false;
      if (ev.fn === null) continue;
      this.nowMs = ev.atMs;
      const fn = ev.fn;
      ev.fn = null;
      this.executed++;
      fn();
      return true;
    }
  }

  /** Runs every event up to and including `untilMs`, then sets the time to `untilMs`. */
  runUntil(untilMs: number): void {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined || top.atMs > untilMs) break;
      this.step();
    }
    if (untilMs > this.nowMs) this.nowMs = untilMs;
  }

  /** Runs for `durationMs` of virtual time. */
  runFor(durationMs: number): void {
    this.runUntil(this.nowMs + durationMs);
  }

  /**
   * Runs events until `done()` holds or `maxMs` of virtual time passes. Returns whether `done()` held.
   * Periodic timers keep the queue non-empty forever, so a time bound is always required.
   */
  runUntilTrue(done: () => boolean, maxMs: number): boolean {
    const deadline = this.nowMs + maxMs;
    while (!done()) {
      const top = this.heap[0];
      if (top === undefined || top.atMs > deadline) {
        if (deadline > this.nowMs) this.nowMs = deadline;
        return done();
      }
      this.step();
    }
    return true;
  }

  private push(ev: TimedEvent): void {
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as TimedEvent;
      if (!before(ev, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = ev;
  }

  private pop(): TimedEvent | undefined {
    const h = this.heap;
    const top = h[0];
    if (top === undefined) return undefined;
    const last = h.pop() as TimedEvent;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(h[r] as TimedEvent, h[l] as TimedEvent) ? r : l;
        if (!before(h[c] as TimedEvent, last)) break;
        h[i] = h[c] as TimedEvent;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

function before(a: TimedEvent, b: TimedEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

/**
 * A node's view of virtual time. `offsetMs` and `driftPpm` model clock skew: the node reads
 * local = global·(1 + drift) + offset, and its timers run in local time.
 */
export class VirtualClock implements Clock {
  constructor(
    private readonly time: VirtualTime,
    public offsetMs = 0,
    public driftPpm = 0,
    /** Wall-clock epoch that virtual time 0 maps to, so wallMs() looks like a real date. */
    private readonly epochMs = 1_767_225_600_000,
  ) {}

  now(): number {
    return this.toLocal(this.time.now());
  }

  wallMs(): number {
    return this.epochMs + this.now();
  }

  /** Local duration → global virtual duration under this clock's drift. */
  toGlobalDuration(localMs: number): number {
    return localMs / (1 + this.driftPpm / 1e6);
  }

  private toLocal(globalMs: number): number {
    return globalMs * (1 + this.driftPpm / 1e6) + this.offsetMs;
  }
}

/** Timers on virtual time; durations are in the node's local (possibly drifting) time. */
export class VirtualScheduler implements Scheduler {
  constructor(
    private readonly time: VirtualTime,
    private readonly random: Random,
    private readonly clock?: VirtualClock,
  ) {}

  after(delayMs: number, fn: () => void): Cancel {
    return this.time.at(this.time.now() + this.global(Math.max(0, delayMs)), fn);
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

  private global(localMs: number): number {
    return this.clock === undefined ? localMs : this.clock.toGlobalDuration(localMs);
  }
}
