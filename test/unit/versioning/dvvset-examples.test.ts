import { describe, expect, it } from 'vitest';
import {
  type DvvEntry,
  type DvvSet,
  discard,
  equal,
  join,
  less,
  lww,
  newSet,
  newWithContext,
  reconcile,
  size,
  sync,
  syncAll,
  update,
  values,
} from '../../../src/versioning/dvvset.js';
import { type ReplicaId, replicaId } from '../../../src/versioning/replica-id.js';

// Table tests replaying the examples of Riak's dvvset.erl test suite (and the paper's Mary/Peter
// scenario), written in our notation: entry [id, counter, values-newest-first].
const a = replicaId('a');
const b = replicaId('b');
const c = replicaId('c');
const d = replicaId('d');
const x = replicaId('x');
const z = replicaId('z');

type Row = readonly [ReplicaId, number, readonly string[]];
const set = (rows: readonly Row[], anonymous: readonly string[] = []): DvvSet<string> => ({
  entries: rows.map(([id, counter, vs]): DvvEntry<string> => ({ id, counter, values: vs })),
  anonymous,
});
/** dvvset.erl `create`: a first write at a replica with no state. */
const create = (v: string, r: ReplicaId): DvvSet<string> => update(newSet(v), undefined, r);

describe('dvvset.erl examples', () => {
  it('join: the causal context is the clock without values', () => {
    const A = newSet('v1');
    const A1 = create('v1', a);
    const B1 = update(newWithContext(join(A1), 'v2'), A1, b);
    expect(join(A)).toEqual([]);
    expect(join(A1)).toEqual([{ id: a, counter: 1 }]);
    expect(join(B1)).toEqual([
      { id: a, counter: 1 },
      { id: b, counter: 1 },
    ]);
  });

  it('update: a write supersedes what its context covers and keeps the rest as siblings', () => {
    const A0 = create('v1', a);
    const A1 = update(newWithContext(join(A0), 'v2'), A0, a);
    const A2 = update(newWithContext(join(A1), 'v3'), A1, b);
    const A3 = update(newWithContext(join(A0), 'v4'), A1, b);
    const A4 = update(newWithContext(join(A0), 'v5'), A1, a);
    expect(A0).toEqual(set([[a, 1, ['v1']]]));
    expect(A1).toEqual(set([[a, 2, ['v2']]]));
    expect(A2).toEqual(
      set([
        [a, 2, []],
        [b, 1, ['v3']],
      ]),
    );
    expect(A3).toEqual(
      set([
        [a, 2, ['v2']],
        [b, 1, ['v4']],
      ]),
    );
    expect(A4).toEqual(set([[a, 3, ['v5', 'v2']]]));
  });

  it('sync: keeps the newest clock and only undiscarded siblings', () => {
    const X = set([[x, 1, []]]);
    const A = create('v1', a);
    const Y = create('v2', b);
    const A1 = update(newWithContext(join(A), 'v2'), A, a);
    const A3 = update(newWithContext(join(A1), 'v3'), A1, b);
    const A4 = update(newWithContext(join(A1), 'v3'), A1, c);
    const W = set([[a, 1, []]]);
    const Z = set([[a, 2, ['v2', 'v1']]]);
    expect(syncAll([W, Z])).toEqual(set([[a, 2, ['v2']]]));
    expect(equal(syncAll([W, Z]), syncAll([Z, W]))).toBe(true);
    expect(equal(syncAll([A, A1]), syncAll([A1, A]))).toBe(true);
    expect(syncAll([A4, A3])).toEqual(
      set([
        [a, 2, []],
        [b, 1, ['v3']],
        [c, 1, ['v3']],
      ]),
    );
    expect(syncAll([X, A])).toEqual(
      set([
        [a, 1, ['v1']],
        [x, 1, []],
      ]),
    );
    expect(syncAll([A, Y])).toEqual(
      set([
        [a, 1, ['v1']],
        [b, 1, ['v2']],
      ]),
    );
    expect(sync(Y, A)).toEqual(sync(A, Y));
  });

  it('Mary and Peter: a write with an old context removes only what that context saw', () => {
    const A0 = create('v1', a); // Mary writes v1 with no context
    const VV1 = join(A0); // Peter reads v1
    const A1 = update(newSet('v2'), A0, a); // Mary writes v2, again with no context
    const A2 = update(newWithContext(VV1, 'v3'), A1, a); // Peter writes v3 having seen v1
    expect(VV1).toEqual([{ id: a, counter: 1 }]);
    expect(A1).toEqual(set([[a, 2, ['v2', 'v1']]]));
    expect(A2).toEqual(set([[a, 3, ['v3', 'v2']]]));
  });

  it('event: a new dot goes to the writing replica, in id order', () => {
    const A = create('v1', a);
    expect(update(newSet('v2'), A, a)).toEqual(set([[a, 2, ['v2', 'v1']]]));
    expect(update(newSet('v2'), A, b)).toEqual(
      set([
        [a, 1, ['v1']],
        [b, 1, ['v2']],
      ]),
    );
    expect(update(newSet('v0'), create('v1', b), a).entries.map((e) => e.id)).toEqual([a, b]);
  });

  it('less: strict causal dominance of the clocks', () => {
    const A = create('v1', a);
    const B = update(newWithContext(join(A), 'v2'), undefined, a);
    const B2 = update(newWithContext(join(A), 'v2'), undefined, b);
    const B3 = update(newWithContext(join(A), 'v2'), undefined, z);
    const C = update(newWithContext(join(B), 'v3'), A, c);
    const D = update(newWithContext(join(C), 'v4'), B2, d);
    for (const [l, r] of [
      [A, B],
      [A, C],
      [B, C],
      [B, D],
      [B2, D],
      [A, D],
    ] as const) {
      expect(less(l, r)).toBe(true);
    }
    for (const [l, r] of [
      [B2, C],
      [B, B2],
      [B2, B],
      [A, A],
      [C, C],
      [D, B2],
      [B3, D],
    ] as const) {
      expect(less(l, r)).toBe(false);
    }
  });

  it('reconcile and lww: one value whose context is the whole clock', () => {
    const X: DvvSet<number> = {
      entries: [
        { id: a, counter: 4, values: [5, 2] },
        { id: b, counter: 1, values: [] },
        { id: c, counter: 1, values: [3] },
      ],
      anonymous: [],
    };
    const clock = [
      { id: a, counter: 4 },
      { id: b, counter: 1 },
      { id: c, counter: 1 },
    ];
    const sum = (vs: readonly number[]) => vs.reduce((s, v) => s + v, 0);
    expect(reconcile(X, sum)).toEqual(newWithContext(clock, 10));
    expect(reconcile(X, (vs) => Math.min(...vs))).toEqual(newWithContext(clock, 2));
    expect(lww(X, (p, q) => p - q)).toEqual(newWithContext(clock, 5));
    expect(lww({ entries: [], anonymous: [] }, (p: number, q: number) => p - q)).toBeUndefined();
    // Written back at any replica, the resolved value replaces every sibling.
    const resolved = update(reconcile(X, sum)!, X, b);
    expect(values(resolved)).toEqual([10]);
    expect(size(resolved)).toBe(1);
  });

  it('discard: drops what the context covers and takes the context into the clock', () => {
    const S = set([
      [a, 3, ['v3', 'v2']],
      [b, 1, ['w1']],
    ]);
    const out = discard(S, [
      { id: a, counter: 2 },
      { id: c, counter: 5 },
    ]);
    expect(out).toEqual(
      set([
        [a, 3, ['v3']],
        [b, 1, ['w1']],
        [c, 5, []],
      ]),
    );
  });

  it('update without exactly one new value is a programmer error', () => {
    expect(() => update(set([]), undefined, a)).toThrow();
  });
});
