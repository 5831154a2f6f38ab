import type { Clock } from '../runtime/clock.js';
import type { Random } from '../runtime/random.js';
import type { Scheduler } from '../runtime/scheduler.js';
import type { BatchOp, IterateOptions, Namespace, Storage, StoreKey } from '../storage/storage.js';
import { type LatencyModel, sampleLatency } from './latency.js';

/**
 * A disk that takes time to commit, over any Storage (the memory engine in simulation). A real durable engine
 * acknowledges a write only after its commit, commits in order and becomes visible at the commit, so a write
 * here waits a delay drawn from `commit`, never finishes before an earlier write on the same disk, and is
 * applied to the inner storage only when it finishes. Reads are immediate. A node that crashes loses the
 * writes still waiting (its timers die with it): they were never acknowledged, as with an unsynced commit.
 * A write finishes only as virtual time runs, so code outside the simulation must drive it while it waits.
 *
 * Without this every simulated write commits instantly, and the reorderings a slow disk causes between the
 * replicas of one key (issue #11: strict mode broke under exactly that) never happen.
 */
export class SlowStorage implements Storage {
  readonly engine: string;
  readonly durable: boolean;
  readonly #inner: Storage;
  readonly #env: { readonly clock: Clock; readonly scheduler: Scheduler; readonly random: Random };
  readonly #commit: LatencyModel;
  /** Virtual time the last queued write finishes. */
  #lastDoneMs = 0;

  constructor(
    inner: Storage,
    env: { readonly clock: Clock; readonly scheduler: Scheduler; readonly random: Random },
    commit: LatencyModel,
  ) {
    this.#inner = inner;
    this.#env = env;
    this.#commit = commit;
    this.engine = `${inner.engine}+slow`;
    this.durable = inner.durable;
  }

  get(ns: Namespace, key: StoreKey): Promise<Uint8Array | undefined> {
    return this.#inner.get(ns, key);
  }

  put(ns: Namespace, key: StoreKey, value: Uint8Array): Promise<void> {
    return this.#later(() => this.#inner.put(ns, key, value));
  }

  delete(ns: Namespace, key: StoreKey): Promise<void> {
    return this.#later(() => this.#inner.delete(ns, key));
  }

  batch(ops: readonly BatchOp[]): Promise<void> {
    return this.#later(() => this.#inner.batch(ops));
  }

  iterate(ns: Namespace, options?: IterateOptions): AsyncIterable<readonly [StoreKey, Uint8Array]> {
    return this.#inner.iterate(ns, options);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  #later(apply: () => Promise<void>): Promise<void> {
    const now = this.#env.clock.now();
    const doneMs = Math.max(now + sampleLatency(this.#commit, this.#env.random), this.#lastDoneMs);
    this.#lastDoneMs = doneMs;
    return new Promise((resolve, reject) => {
      this.#env.scheduler.after(doneMs - now, () => {
        apply().then(resolve, reject);
      });
    });
  }
}
