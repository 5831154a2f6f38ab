/**
 * Lifeguard's local health awareness (Lifeguard §IV-A, memberlist `awareness.go`). A node that misses acks
 * or nacks it expected, or has to refute suspicions of itself, is probably the slow one: its score rises,
 * and its probe intervals and timeouts stretch by (score + 1), so it stops accusing healthy peers while
 * it is itself starved of CPU or network.
 */
/** `timeoutMs` · (score + 1): the stretch a health score puts on probe intervals and timeouts. */
export function scaleByHealth(timeoutMs: number, score: number): number {
  return timeoutMs * (score + 1);
}

export class Awareness {
  private current = 0;

  /** `max` is the exclusive upper bound of the score (memberlist `AwarenessMaxMultiplier`). */
  constructor(private readonly max: number) {
    if (!(Number.isInteger(max) && max >= 1)) {
      throw new RangeError(`awareness max must be a positive integer, got ${max}`);
    }
  }

  /**
   * Adds `delta` (positive = less healthy) to the score, clamped to [0, max − 1] so a long bad or good
   * streak cannot rail the score beyond what one opposite event can undo. Returns the new score.
   */
  applyDelta(delta: number): number {
    this.current = Math.min(this.max - 1, Math.max(0, this.current + delta));
    return this.current;
  }

  /** 0 is fully healthy; max − 1 is the worst. */
  score(): number {
    return this.current;
  }

  /** `timeoutMs` · (score + 1): at most max · timeoutMs. */
  scaleTimeout(timeoutMs: number): number {
    return scaleByHealth(timeoutMs, this.current);
  }
}
