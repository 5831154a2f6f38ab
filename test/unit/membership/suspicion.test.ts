import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeId } from '../../../src/membership/member.js';
import { Suspicion, suspicionTimeoutAfter } from '../../../src/membership/suspicion.js';
import { seededRandom } from '../../../src/runtime/random.js';
import { VirtualClock, VirtualScheduler, VirtualTime } from '../../../src/runtime/virtual.js';

interface Fired {
  readonly atMs: number;
  readonly confirmations: number;
}

function startSuspicion(k: number, minMs: number, maxMs: number) {
  const time = new VirtualTime();
  const clock = new VirtualClock(time);
  const scheduler = new VirtualScheduler(time, seededRandom(1), clock);
  const fired: Fired[] = [];
  const suspicion = new Suspicion(
    { scheduler, clock },
    {
      from: nodeId('me'),
      k,
      minMs,
      maxMs,
      onTimeout: (confirmations) => fired.push({ atMs: time.now(), confirmations }),
    },
  );
  return { time, suspicion, fired };
}

describe('suspicionTimeoutAfter (memberlist remainingSuspicionTime + elapsed)', () => {
  it.each([
    // n, k, min, max, total timeout: memberlist suspicion_test.go's table with elapsed added back
    [0, 3, 2000, 30_000, 30_000],
    [1, 3, 2000, 30_000, 16_000],
    [2, 3, 2000, 30_000, 7810],
    [3, 3, 2000, 30_000, 2000],
    [4, 3, 2000, 30_000, 2000],
    [5, 3, 2000, 30_000, 2000],
    [1, 3, 500, 2000, 1250],
    // memberlist's timer test says 810 with ±25 ms slack; the formula floors 811.28 to 811.
    [2, 3, 500, 2000, 811],
  ])('n=%i of k=%i between %i and %i ms gives %i ms', (n, k, min, max, expected) => {
    expect(suspicionTimeoutAfter(n, k, min, max)).toBe(expected);
  });

  it('is fixed at min when no confirmations are expected (k < 1)', () => {
    expect(suspicionTimeoutAfter(0, 0, 4000, 24_000)).toBe(4000);
  });

  it('never rises with more confirmations and stays within [min, max]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.integer({ min: 0, max: 600_000 }),
        (k, min, extra) => {
          const max = min + extra;
          let prev = Number.POSITIVE_INFINITY;
          for (let n = 0; n <= k + 2; n++) {
            const t = suspicionTimeoutAfter(n, k, min, max);
            expect(t).toBeGreaterThanOrEqual(min);
            expect(t).toBeLessThanOrEqual(max);
            expect(t).toBeLessThanOrEqual(prev);
            prev = t;
          }
          expect(suspicionTimeoutAfter(k, k, min, max)).toBe(min);
        },
      ),
    );
  });
});

describe('Suspicion timer (memberlist suspicion_test.go, in virtual time)', () => {
  const k = 3;
  const min = 500;
  const max = 2000;
  const step = 25;

  it.each([
    { confirms: [] as [string, boolean][], expectedMs: max, n: 0 },
    {
      confirms: [
        ['me', false],
        ['foo', true],
      ] as [string, boolean][],
      expectedMs: 1250,
      n: 1,
    },
    {
      confirms: [
        ['me', false],
        ['foo', true],
        ['foo', false],
        ['foo', false],
      ] as [string, boolean][],
      expectedMs: 1250,
      n: 1,
    },
    {
      confirms: [
        ['me', false],
        ['foo', true],
        ['bar', true],
      ] as [string, boolean][],
      expectedMs: 811,
      n: 2,
    },
    {
      confirms: [
        ['me', false],
        ['foo', true],
        ['bar', true],
        ['baz', true],
      ] as [string, boolean][],
      expectedMs: min,
      n: 3,
    },
    {
      confirms: [
        ['me', false],
        ['foo', true],
        ['bar', true],
        ['baz', true],
        ['zoo', false],
      ] as [string, boolean][],
      expectedMs: min,
      n: 3,
    },
  ])(
    'with confirmations $confirms it fires at $expectedMs ms with $n counted',
    ({ confirms, expectedMs, n }) => {
      const { time, suspicion, fired } = startSuspicion(k, min, max);
      for (const [from, isNew] of confirms) {
        time.runFor(step);
        expect(suspicion.confirm(nodeId(from))).toBe(isNew);
      }
      // The timeout is measured from the start, not from the last confirmation.
      time.runUntil(expectedMs - 1);
      expect(fired).toEqual([]);
      time.runUntil(expectedMs);
      expect(fired).toEqual([{ atMs: expectedMs, confirmations: n }]);

      // A confirmation after firing does not fire again.
      suspicion.confirm(nodeId('late'));
      time.runFor(2 * max);
      expect(fired).toHaveLength(1);
    },
  );

  it('fires at once when a confirmation arrives after the shrunken deadline', () => {
    const { time, suspicion, fired } = startSuspicion(1, 100, 30_000);
    time.runUntil(200);
    expect(suspicion.confirm(nodeId('foo'))).toBe(true);
    time.runFor(0);
    expect(fired).toEqual([{ atMs: 200, confirmations: 1 }]);
  });

  it('does not call onTimeout from inside confirm()', () => {
    const { time, suspicion, fired } = startSuspicion(1, 100, 30_000);
    time.runUntil(200);
    suspicion.confirm(nodeId('foo'));
    expect(fired).toEqual([]);
  });

  it('never fires after stop(), even when confirmed later', () => {
    const { time, suspicion, fired } = startSuspicion(k, min, max);
    time.runFor(100);
    suspicion.stop();
    suspicion.confirm(nodeId('foo'));
    suspicion.stop();
    time.runFor(10 * max);
    expect(fired).toEqual([]);
  });

  it('with k = 0 waits exactly min and ignores confirmations', () => {
    const { time, suspicion, fired } = startSuspicion(0, min, max);
    expect(suspicion.confirm(nodeId('foo'))).toBe(false);
    expect(suspicion.confirmations).toBe(0);
    time.runFor(10 * max);
    expect(fired).toEqual([{ atMs: min, confirmations: 0 }]);
  });

  it('counts at most k distinct confirmers', () => {
    const { suspicion } = startSuspicion(2, min, max);
    expect(['a', 'b', 'c'].map((x) => suspicion.confirm(nodeId(x)))).toEqual([true, true, false]);
    expect(suspicion.confirmations).toBe(2);
    expect(suspicion.timeoutMs()).toBe(min);
  });

  it('measures time in the node clock under drift', () => {
    const time = new VirtualTime();
    const clock = new VirtualClock(time, 0, 100_000); // runs 10% fast
    const scheduler = new VirtualScheduler(time, seededRandom(1), clock);
    let firedAt = -1;
    new Suspicion(
      { scheduler, clock },
      { from: nodeId('me'), k: 3, minMs: min, maxMs: 1100, onTimeout: () => (firedAt = time.now()) },
    );
    time.runFor(5000);
    expect(firedAt).toBeCloseTo(1000, 6);
  });

  it('rejects min > max', () => {
    expect(() => startSuspicion(3, 2000, 1000)).toThrow(RangeError);
  });
});
