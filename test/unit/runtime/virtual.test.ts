import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/runtime/random.js';
import { VirtualClock, VirtualScheduler, VirtualTime } from '../../../src/runtime/virtual.js';

describe('VirtualTime', () => {
  it('runs events in time order, ties in scheduling order', () => {
    const t = new VirtualTime();
    const seen: string[] = [];
    t.at(30, () => seen.push('c'));
    t.at(10, () => seen.push('a1'));
    t.at(10, () => seen.push('a2'));
    t.at(20, () => seen.push('b'));
    t.runUntil(100);
    expect(seen).toEqual(['a1', 'a2', 'b', 'c']);
    expect(t.now()).toBe(100);
  });

  it('a cancelled event never runs and time never goes backwards', () => {
    const t = new VirtualTime();
    let ran = false;
    const cancel = t.at(5, () => {
      ran = true;
    });
    cancel();
    t.runFor(10);
    expect(ran).toBe(false);
    let at = -1;
    t.at(3, () => {
      at = t.now();
    });
    t.runFor(1);
    expect(at).toBe(10);
  });

  it('keeps heap order under random insertions', () => {
    const r = seededRandom(3);
    const t = new VirtualTime();
    const times: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const at = r.int(100_000);
      t.at(at, () => times.push(t.now()));
    }
    t.runUntil(1e9);
    expect(times.length).toBe(5000);
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
  });

  it('runUntilTrue stops at the condition or the time bound', () => {
    const t = new VirtualTime();
    const s = new VirtualScheduler(t, seededRandom(1));
    let ticks = 0;
    s.every(100, () => ticks++);
    expect(t.runUntilTrue(() => ticks >= 5, 10_000)).toBe(true);
    expect(t.now()).toBe(500);
    expect(t.runUntilTrue(() => ticks >= 1000, 1000)).toBe(false);
    expect(t.now()).toBe(1500);
  });
});

describe('VirtualScheduler', () => {
  it('periodic timers fire each interval with jitter inside its bounds, and stop when cancelled', () => {
    const t = new VirtualTime();
    const s = new VirtualScheduler(t, seededRandom(11));
    const fired: number[] = [];
    const cancel = s.every(1000, () => fired.push(t.now()), 200);
    t.runUntil(20_000);
    expect(fired.length).toBeGreaterThanOrEqual(16);
    let prev = 0;
    for (const at of fired) {
      expect(at - prev).toBeGreaterThanOrEqual(800);
      expect(at - prev).toBeLessThanOrEqual(1200);
      prev = at;
    }
    cancel();
    const n = fired.length;
    t.runFor(10_000);
    expect(fired.length).toBe(n);
  });

  it('a timer cancelled from inside its own callback does not fire again', () => {
    const t = new VirtualTime();
    const s = new VirtualScheduler(t, seededRandom(1));
    let count = 0;
    const cancel = s.every(10, () => {
      count++;
      cancel();
    });
    t.runFor(100);
    expect(count).toBe(1);
  });

  it('rejects a jitter not smaller than the interval', () => {
    const s = new VirtualScheduler(new VirtualTime(), seededRandom(1));
    expect(() => s.every(10, () => {}, 10)).toThrow(RangeError);
    expect(() => s.every(0, () => {})).toThrow(RangeError);
  });

  it('a drifting clock runs its timers in local time', () => {
    const t = new VirtualTime();
    // +10% drift: 1,000 local ms pass in ~909 global ms.
    const clock = new VirtualClock(t, 5_000, 100_000);
    const s = new VirtualScheduler(t, seededRandom(1), clock);
    let localAtFire = 0;
    let globalAtFire = 0;
    const localStart = clock.now();
    s.after(1000, () => {
      localAtFire = clock.now();
      globalAtFire = t.now();
    });
    t.runFor(2000);
    expect(localStart).toBe(5_000);
    expect(localAtFire - localStart).toBeCloseTo(1000, 6);
    expect(globalAtFire).toBeCloseTo(1000 / 1.1, 6);
    expect(clock.wallMs()).toBeGreaterThan(1_700_000_000_000);
  });
});
