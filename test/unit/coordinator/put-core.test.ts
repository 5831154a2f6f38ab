import { describe, expect, it } from 'vitest';
import { PutCore, type PutReplicaResult } from '../../../src/coordinator/put-core.js';

const OK: PutReplicaResult = { kind: 'ok' };
const ERR: PutReplicaResult = { kind: 'error', reason: 'disk full' };

function* sequences(n: number): Generator<readonly boolean[]> {
  for (let mask = 0; mask < 1 << n; mask++)
    yield Array.from({ length: n }, (_, i) => ((mask >> i) & 1) === 1);
}

function* permutations<T>(xs: readonly T[]): Generator<readonly T[]> {
  if (xs.length <= 1) {
    yield xs;
    return;
  }
  for (let i = 0; i < xs.length; i++) {
    for (const rest of permutations([...xs.slice(0, i), ...xs.slice(i + 1)])) yield [xs[i]!, ...rest];
  }
}

describe('PutCore', () => {
  it('a write with W=2 of N=3 answers ok at the second ack and names the replicas that acked', () => {
    let core = PutCore.create({ n: 3, w: 2 });
    core = core.addResult('a', OK);
    expect(core.enough()).toBe(false);
    core = core.addResult('b', OK);
    expect(core.enough()).toBe(true);
    expect(core.response()).toEqual({ kind: 'ok' });
    expect(core.acked).toEqual(['a', 'b']);
  });

  it('a write with W=2 of N=3 gives up at the second error and reports how many acked', () => {
    const core = PutCore.create({ n: 3, w: 2 }).addResult('a', ERR).addResult('b', OK).addResult('c', ERR);
    expect(core.enough()).toBe(true);
    expect(core.response()).toEqual({
      kind: 'unavailable',
      needed: 2,
      got: 1,
      errors: [
        { replica: 'a', reason: 'disk full' },
        { replica: 'c', reason: 'disk full' },
      ],
    });
    expect(core.acked).toEqual(['b']);
    expect(core.failed).toEqual(['a', 'c']);
  });

  it('a timed-out write is unavailable with the acks it got; silent replicas are neither acked nor failed', () => {
    const core = PutCore.create({ n: 3, w: 3 }).addResult('b', OK);
    expect(core.enough()).toBe(false);
    expect(core.response()).toEqual({ kind: 'unavailable', needed: 3, got: 1, errors: [] });
    expect(core.acked).toEqual(['b']);
    expect(core.failed).toEqual([]);
  });

  it('a duplicate ack from one replica does not count twice', () => {
    const core = PutCore.create({ n: 3, w: 2 }).addResult('a', OK).addResult('a', OK);
    expect(core.acked).toEqual(['a']);
    expect(core.enough()).toBe(false);
    // First answer wins: a late error does not undo an ack.
    expect(core.addResult('a', ERR).acked).toEqual(['a']);
  });

  it('dw raises the acks needed to max(w, dw)', () => {
    const core = PutCore.create({ n: 3, w: 1, dw: 2 }).addResult('a', OK);
    expect(core.enough()).toBe(false);
    expect(core.addResult('b', OK).response()).toEqual({ kind: 'ok' });
  });

  it('rejects impossible configurations and more than N replies as programmer errors', () => {
    expect(() => PutCore.create({ n: 3, w: 0 })).toThrow(RangeError);
    expect(() => PutCore.create({ n: 3, w: 4 })).toThrow(RangeError);
    expect(() => PutCore.create({ n: 3, w: 2, dw: 4 })).toThrow(RangeError);
    expect(() => PutCore.create({ n: 1, w: 1 }).addResult('a', OK).addResult('b', OK)).toThrow();
  });

  it('exhaustively: enough flips exactly at W acks or at the first failure that puts W out of reach', () => {
    for (const n of [1, 2, 3, 4, 5]) {
      const replicas = Array.from({ length: n }, (_, i) => `r${i}`);
      for (let w = 1; w <= n; w++) {
        for (const outcome of sequences(n)) {
          // All orders of replica identity up to N=4; N=5 in one order (the outcomes still cover every sequence).
          for (const order of n <= 4 ? permutations(replicas) : [replicas]) {
            let core = PutCore.create({ n, w });
            let acks = 0;
            let errors = 0;
            expect(core.enough()).toBe(false);
            for (const [i, replica] of order.entries()) {
              const ok = outcome[i]!;
              core = core.addResult(replica, ok ? OK : { kind: 'error' });
              if (ok) acks++;
              else errors++;
              const remaining = n - i - 1;
              // Model: done iff W met, or even if all the rest acked W would not be met.
              const success = acks >= w;
              const hopeless = acks + remaining < w;
              expect(core.enough()).toBe(success || hopeless);
              expect(core.response()).toEqual(
                success
                  ? { kind: 'ok' }
                  : {
                      kind: 'unavailable',
                      needed: w,
                      got: acks,
                      errors: order
                        .slice(0, i + 1)
                        .flatMap((r, j) => (outcome[j] ? [] : [{ replica: r, reason: 'error' }])),
                    },
              );
              const ackedSoFar = order.slice(0, i + 1).filter((_, j) => outcome[j]);
              expect(core.acked).toEqual(ackedSoFar);
              expect(core.failed).toEqual(order.slice(0, i + 1).filter((_, j) => !outcome[j]));
              expect(core.failed.length).toBe(errors);
            }
            expect(core.hasAllResults()).toBe(true);
            // With every reply in, enough is always true: the request has a definite answer.
            expect(core.enough()).toBe(true);
          }
        }
      }
    }
  });
});
