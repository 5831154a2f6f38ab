import type { Cancel, Scheduler } from './scheduler.js';

/**
 * A background pass run every `intervalMs` once started, jittered by a tenth of the interval so that nodes
 * started together do not run it in lock-step. start() is idempotent; stop() disarms it (a pass already
 * running finishes on its own). The store's hint delivery, ownership handoff and anti-entropy sweeps use it.
 * A pass that rejects goes to `onError` (a failed pass must be seen, never an unhandled rejection).
 */
export class PeriodicTask {
  readonly #scheduler: Scheduler;
  readonly #intervalMs: number;
  readonly #run: () => void;
  #cancel: Cancel | undefined;

  constructor(
    scheduler: Scheduler,
    intervalMs: number,
    run: () => Promise<unknown>,
    onError: (err: unknown) => void = () => {},
  ) {
    this.#scheduler = scheduler;
    this.#intervalMs = intervalMs;
    this.#run = () => {
      run().catch(onError);
    };
  }

  start(): void {
    this.#cancel ??= this.#scheduler.every(this.#intervalMs, this.#run, this.#intervalMs / 10);
  }

  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
  }
}
