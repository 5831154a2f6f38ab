import { describe, expect, it } from 'vitest';
import { Awareness } from '../../../src/membership/awareness.js';

describe('Awareness (Lifeguard local health, memberlist awareness.go)', () => {
  it('starts healthy and leaves timeouts unscaled', () => {
    const a = new Awareness(8);
    expect(a.score()).toBe(0);
    expect(a.scaleTimeout(500)).toBe(500);
  });

  it('scales timeouts by score + 1', () => {
    const a = new Awareness(8);
    a.applyDelta(1);
    expect(a.scaleTimeout(500)).toBe(1000);
    a.applyDelta(2);
    expect(a.score()).toBe(3);
    expect(a.scaleTimeout(1000)).toBe(4000);
  });

  it('clamps the score to [0, max − 1]', () => {
    const a = new Awareness(8);
    expect(a.applyDelta(-5)).toBe(0);
    expect(a.applyDelta(100)).toBe(7);
    expect(a.scaleTimeout(1000)).toBe(8000);
    // Railed at the top, one good event moves it down at once.
    expect(a.applyDelta(-1)).toBe(6);
  });

  it('with max 1 never scales', () => {
    const a = new Awareness(1);
    a.applyDelta(3);
    expect(a.score()).toBe(0);
    expect(a.scaleTimeout(700)).toBe(700);
  });

  it('rejects a max below 1', () => {
    expect(() => new Awareness(0)).toThrow(RangeError);
    expect(() => new Awareness(2.5)).toThrow(RangeError);
  });
});
