import { describe, expect, it } from 'vitest';
import { buildEvents, completed, pending, validateOperation } from '../../../../src/sim/check/history.js';

describe('buildEvents', () => {
  it('orders events by time, calls before returns on ties, then by operation index', () => {
    const ops = [
      completed(1, 'a', 'ok', 5, 10),
      completed(2, 'b', 'ok', 10, 12),
      completed(3, 'c', 'ok', 5, 10),
    ];
    expect(buildEvents(ops).map((e) => `${e.kind}${e.opIndex}@${e.timeMs}`)).toEqual([
      'call0@5',
      'call2@5',
      'call1@10',
      'return0@10',
      'return2@10',
      'return1@12',
    ]);
  });

  it('puts the returns of pending operations last, in operation order', () => {
    const ops = [
      pending<string, string>(1, 'a', 3),
      completed(2, 'b', 'ok', 0, 100),
      pending<string, string>(3, 'c', 1),
    ];
    expect(buildEvents(ops).map((e) => `${e.kind}${e.opIndex}`)).toEqual([
      'call1',
      'call2',
      'call0',
      'return1',
      'return0',
      'return2',
    ]);
  });

  it('a pending operation has unknown output and returns at infinity', () => {
    expect(pending(1, 'w', 7)).toEqual({
      clientId: 1,
      input: 'w',
      output: { kind: 'unknown' },
      callMs: 7,
      returnMs: Number.POSITIVE_INFINITY,
    });
  });

  it('rejects malformed operations', () => {
    expect(() => validateOperation(completed(1, 'a', 'ok', 2, 1), 0)).toThrow(RangeError);
    expect(() => validateOperation(completed(1, 'a', 'ok', Number.NaN, 1), 0)).toThrow(RangeError);
    expect(() => validateOperation({ ...pending(1, 'a', 0), returnMs: 5 }, 0)).toThrow(RangeError);
    expect(() => validateOperation(completed(1, 'a', 'ok', 1, 1), 0)).not.toThrow();
  });
});
