import type { Cancel, Scheduler } from './scheduler.js';

/**
 * A background pass run every `intervalMs` once started, jittered (by default a tenth of the interval) so that
 * nodes started together do not run it in lock-step. start() is idempotent; stop() disarms it (a pass already
 * running finishes on its own). The store's hint delivery, ownership handoff and anti-entropy sweeps and the
 * rumor drivers' rounds use it. A pass that rejects goes to `onError` (a failed pass must be seen, never an
 * unhandled rejection).
 */
export class PeriodicTask {
  readonly #scheduler: Scheduler;
  readonly #intervalMs: number;
  readonly #jitterMs: number;
  readonly #run: () => void;
  #cancel: Cancel | undefined;

  constructor(
    scheduler: Scheduler,
    intervalMs: number,
    run: () => unknown,
    onError: (err: unknown) => void = () => {},
    jitterMs = intervalMs / 10,
  ) {
    this.#scheduler = scheduler;
    this.#intervalMs = intervalMs;
    this.#jitterMs = jitterMs;
    this.#run = () => {
      const pass = run();
      if (pass instanceof Promise) pass.catch(onError);
    };
  }

  get running(): boolean {
    return this.#cancel !== undefined;
  }

  start(): void {
    this.#cancel ??= this.#scheduler.every(this.#intervalMs, this.#run, this.#jitterMs);
  }

  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
  }
}
