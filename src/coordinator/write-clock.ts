import type { Clock } from '../runtime/clock.js';
import { type Hlc, now as hlcNow, update as hlcUpdate, hlcZero, withinOffset } from '../versioning/hlc.js';
import type { ReplicaId } from '../versioning/replica-id.js';
import type { LwwStamp } from '../versioning/versioned-value.js';

/**
 * The coordinator's hybrid logical clock: the stamps of last-writer-wins writes and the tags of strict
 * (ABD) writes. One per node, so every write this node coordinates orders after the ones before it, even if
 * the wall clock jumps back.
 */
export class WriteClock {
  #hlc: Hlc;
  readonly #clock: Clock;
  readonly #maxOffsetMs: number;

  /** `maxOffsetMs`: a stamp read from a replica further ahead of our wall clock is not adopted. */
  constructor(clock: Clock, node: ReplicaId, maxOffsetMs: number) {
    this.#clock = clock;
    this.#hlc = hlcZero(node);
    this.#maxOffsetMs = maxOffsetMs;
  }

  /** A fresh LWW stamp (never behind an earlier one). */
  stamp(): LwwStamp {
    this.#hlc = hlcNow(this.#hlc, this.#wall());
    return this.#current();
  }

  /**
   * A strict write's tag: strictly above `seen` (the greatest tag a read quorum returned) whatever the clocks
   * say, as ABD requires, and above this node's earlier tags. Wall time only keeps tags near real time, so a
   * write after a tombstone was reaped (its tag forgotten) still orders after older stragglers.
   */
  tagAbove(seen: LwwStamp | undefined): LwwStamp {
    const now = this.#wall();
    this.#hlc =
      seen === undefined
        ? hlcNow(this.#hlc, now)
        : hlcUpdate(this.#hlc, { ...seen, node: this.#hlc.node }, now);
    return this.#current();
  }

  /**
   * A stamp read from replicas moves the clock past it (so our next write orders after what we read), unless
   * it is more than maxOffsetMs ahead: one node with a clock far in the future must not drag every clock along.
   */
  observe(ts: LwwStamp | undefined): void {
    if (ts === undefined) return;
    const now = this.#wall();
    const remote = { ...ts, node: this.#hlc.node };
    if (withinOffset(remote, now, this.#maxOffsetMs)) this.#hlc = hlcUpdate(this.#hlc, remote, now);
  }

  #wall(): number {
    return Math.floor(this.#clock.wallMs());
  }

  #current(): LwwStamp {
    return { wallMs: this.#hlc.wallMs, logical: this.#hlc.logical };
  }
}
