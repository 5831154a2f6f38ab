import { describe, expect, it } from 'vitest';
import {
  pushPullScaleMs,
  retransmitLimit,
  suspicionConfirmationsNeeded,
  suspicionTimeoutMs,
} from '../../../src/membership/timing.js';

describe('suspicionTimeoutMs (memberlist util.go suspicionTimeout)', () => {
  it.each([
    // memberlist util_test.go: suspicionTimeout(3, n, 1s) / 3
    [5, 1000],
    [10, 1000],
    [50, 1698],
    [100, 2000],
    [500, 2698],
    [1000, 3000],
  ])('scales by max(1, log10 n) truncated to 3 decimals: n=%i → %i ms per multiple', (n, expected) => {
    expect(suspicionTimeoutMs(3, n, 1000) / 3).toBe(expected);
  });

  it('gives 12 s for the LAN defaults at 1000 nodes and 4 s for a small cluster', () => {
    expect(suspicionTimeoutMs(4, 1000, 1000)).toBe(12_000);
    expect(suspicionTimeoutMs(4, 3, 1000)).toBe(4000);
  });

  it('treats 0 or 1 members as the floor', () => {
    expect(suspicionTimeoutMs(4, 0, 1000)).toBe(4000);
    expect(suspicionTimeoutMs(4, 1, 1000)).toBe(4000);
  });
});

describe('suspicionConfirmationsNeeded (memberlist state.go)', () => {
  it.each([
    [4, 3, 0],
    [4, 4, 2],
    [4, 1000, 2],
    [6, 5, 0],
    [6, 6, 4],
    [2, 100, 0],
    [1, 100, 0],
  ])('suspicionMult %i with %i members needs %i confirmations', (mult, n, expected) => {
    expect(suspicionConfirmationsNeeded(mult, n)).toBe(expected);
  });
});

describe('retransmitLimit (memberlist util.go)', () => {
  it.each([
    [3, 0, 0],
    [3, 1, 3],
    [3, 99, 6],
    [4, 9, 4],
    [4, 10, 8],
    [4, 1000, 16],
    [4, 10_000, 20],
  ])('mult %i, n %i → %i', (mult, n, expected) => {
    expect(retransmitLimit(mult, n)).toBe(expected);
  });
});

describe('pushPullScaleMs (memberlist util.go pushPullScale)', () => {
  it('does not scale up to 32 members', () => {
    for (let n = 0; n <= 32; n++) expect(pushPullScaleMs(1000, n)).toBe(1000);
  });

  it('doubles from the 33rd member and triples from the 65th', () => {
    for (let n = 33; n <= 64; n++) expect(pushPullScaleMs(1000, n)).toBe(2000);
    for (let n = 65; n <= 128; n++) expect(pushPullScaleMs(1000, n)).toBe(3000);
    expect(pushPullScaleMs(30_000, 129)).toBe(120_000);
    expect(pushPullScaleMs(30_000, 1000)).toBe(180_000);
  });
});
