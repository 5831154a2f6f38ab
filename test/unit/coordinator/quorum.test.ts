import { describe, expect, it } from 'vitest';
import { quorumSize, resolveQuorum, strictModeCheck } from '../../../src/coordinator/quorum.js';

describe('quorum values', () => {
  it('a quorum is a majority of N', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(quorumSize)).toEqual([1, 2, 2, 3, 3, 4, 4]);
  });

  const good: readonly [string, number, number][] = [
    ['one', 3, 1],
    ['quorum', 3, 2],
    ['all', 3, 3],
    ['quorum', 5, 3],
    ['all', 1, 1],
    ['quorum', 1, 1],
    ['1', 3, 1],
    ['2', 3, 2],
    ['3', 3, 3],
    ['5', 5, 5],
  ];
  it.each(good)('r=%s with N=%i resolves to %i', (input, n, value) => {
    expect(resolveQuorum('r', input, n)).toEqual({ ok: true, value });
  });

  const bad: readonly [string, number][] = [
    ['0', 3],
    ['4', 3],
    ['-1', 3],
    ['+2', 3],
    ['02', 3],
    ['2.0', 3],
    ['1e0', 3],
    [' 2', 3],
    ['', 3],
    ['ONE', 3],
    ['majority', 3],
    ['99999999999999999999', 3],
    ['0x2', 3],
  ];
  it.each(bad)('w=%j with N=%i is rejected with a typed error', (input, n) => {
    expect(resolveQuorum('w', input, n)).toEqual({
      ok: false,
      param: 'w',
      input,
      error: `w must be one, quorum, all or an integer in [1, ${n}]`,
    });
  });

  it('every resolved value lies in [1, N]', () => {
    for (let n = 1; n <= 9; n++) {
      for (const input of ['one', 'quorum', 'all', ...Array.from({ length: n + 2 }, (_, i) => String(i))]) {
        const res = resolveQuorum('r', input, n);
        if (res.ok) {
          expect(res.value).toBeGreaterThanOrEqual(1);
          expect(res.value).toBeLessThanOrEqual(n);
        } else {
          expect(['0', String(n + 1)]).toContain(input);
        }
      }
    }
  });

  it('a bad N is a programmer error', () => {
    expect(() => resolveQuorum('r', 'one', 0)).toThrow(RangeError);
    expect(() => quorumSize(1.5)).toThrow(RangeError);
  });
});

describe('strict mode', () => {
  it('requires W + R > N, exhaustively for N ≤ 7', () => {
    for (let n = 1; n <= 7; n++) {
      for (let r = 1; r <= n; r++) {
        for (let w = 1; w <= n; w++) {
          const res = strictModeCheck(n, r, w);
          expect(res.ok).toBe(w + r > n);
          if (!res.ok) expect(res.error).toBe(`strict mode requires W + R > N (got W=${w}, R=${r}, N=${n})`);
        }
      }
    }
  });

  it('quorum reads and quorum writes always qualify', () => {
    for (let n = 1; n <= 9; n++) expect(strictModeCheck(n, quorumSize(n), quorumSize(n)).ok).toBe(true);
  });
});
