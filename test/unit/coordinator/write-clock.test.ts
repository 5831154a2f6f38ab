import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WriteClock } from '../../../src/coordinator/write-clock.js';
import type { Clock } from '../../../src/runtime/clock.js';
import { replicaId } from '../../../src/versioning/replica-id.js';
import { compareStamps } from '../../../src/versioning/versioned-value.js';

/** A clock whose wall time the test sets. */
function wall(startMs: number): Clock & { set(ms: number): void } {
  let t = startMs;
  return {
    now: () => t,
    wallMs: () => t,
    set: (ms) => {
      t = ms;
    },
  };
}

describe('WriteClock', () => {
  it('stamps never go backwards, even when the wall clock does', () => {
    const clock = wall(10_000);
    const w = new WriteClock(clock, replicaId('n1'), 500);
    const a = w.stamp();
    clock.set(9_000);
    const b = w.stamp();
    expect(compareStamps(b, a)).toBe(1);
    expect(a.wallMs).toBe(10_000);
  });

  it('a strict tag is strictly above the greatest tag the read saw, whatever our wall clock says', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e9 }),
        fc.integer({ min: 0, max: 1e9 }),
        fc.integer({ min: 0, max: 1000 }),
        (ourWall, seenWall, seenLogical) => {
          const w = new WriteClock(wall(ourWall), replicaId('n1'), 500);
          const seen = { wallMs: seenWall, logical: seenLogical };
          expect(compareStamps(w.tagAbove(seen), seen)).toBe(1);
        },
      ),
    );
  });

  it('a tag with nothing seen is a fresh stamp above earlier tags', () => {
    const w = new WriteClock(wall(5_000), replicaId('n1'), 500);
    const first = w.tagAbove({ wallMs: 7_000, logical: 3 });
    expect(compareStamps(w.tagAbove(undefined), first)).toBe(1);
  });

  it('observes stamps within maxOffsetMs ahead, ignores ones further ahead', () => {
    const near = new WriteClock(wall(10_000), replicaId('n1'), 500);
    near.observe({ wallMs: 10_400, logical: 2 });
    expect(compareStamps(near.stamp(), { wallMs: 10_400, logical: 2 })).toBe(1);

    const far = new WriteClock(wall(10_000), replicaId('n1'), 500);
    far.observe({ wallMs: 10_501, logical: 0 });
    expect(far.stamp().wallMs).toBe(10_000);
  });
});
