import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/runtime/random.js';
import { TokenBucket } from '../../../src/runtime/token-bucket.js';
import { VirtualClock, VirtualScheduler, VirtualTime } from '../../../src/runtime/virtual.js';

/** Takes `n` tokens in sequence in virtual time; returns the virtual time each was granted. */
async function grantTimes(bucket: TokenBucket, time: VirtualTime, n: number): Promise<number[]> {
  const granted: number[] = [];
  for (let i = 0; i < n; i++) {
    let done = false;
    void bucket.take().then(() => {
      done = true;
    });
    for (let guard = 0; !done && guard < 10_000; guard++) {
      await new Promise((r) => setImmediate(r));
      if (!done) time.step();
    }
    granted.push(time.now());
  }
  return granted;
}

describe('TokenBucket', () => {
  it('grants a burst at once, then one token per 1/rate seconds', async () => {
    const time = new VirtualTime();
    const clock = new VirtualClock(time);
    const bucket = new TokenBucket(clock, new VirtualScheduler(time, seededRandom(1), clock), 10, 3);
    const times = await grantTimes(bucket, time, 6);
    expect(times.slice(0, 3)).toEqual([0, 0, 0]);
    // Then 100 ms apart (10 per second).
    expect(times[3]).toBeCloseTo(100, 6);
    expect(times[4]).toBeCloseTo(200, 6);
    expect(times[5]).toBeCloseTo(300, 6);
  });

  it('refills while idle, never above the burst', async () => {
    const time = new VirtualTime();
    const clock = new VirtualClock(time);
    const bucket = new TokenBucket(clock, new VirtualScheduler(time, seededRandom(1), clock), 10, 2);
    await grantTimes(bucket, time, 2);
    time.runFor(10_000);
    const t0 = time.now();
    const times = await grantTimes(bucket, time, 3);
    expect(times.map((t) => t - t0)).toEqual([0, 0, expect.closeTo(100, 6)]);
  });

  it('rejects a rate or burst that could never grant', () => {
    const time = new VirtualTime();
    const clock = new VirtualClock(time);
    const s = new VirtualScheduler(time, seededRandom(1), clock);
    expect(() => new TokenBucket(clock, s, 0, 1)).toThrow(RangeError);
    expect(() => new TokenBucket(clock, s, 1, 0)).toThrow(RangeError);
  });
});
