import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DvvSet,
  equal,
  join,
  newWithContext,
  size,
  sync,
  syncAll,
  update,
  values,
} from '../../../src/versioning/dvvset.js';
import { replicaId } from '../../../src/versioning/replica-id.js';
import {
  containsDot,
  descends,
  dominates,
  EMPTY_VV,
  get,
  type VersionVector,
} from '../../../src/versioning/version-vector.js';

// A random history: clients write at random replicas with a context read at some earlier moment
// from some replica (possibly stale, possibly empty); replicas sync pairwise at random. Each write
// has a unique integer value, so a value names its write.
const REPLICAS = ['a', 'b', 'c'].map(replicaId);

type Op =
  | { readonly kind: 'write'; readonly at: number; readonly ctx: number }
  | { readonly kind: 'sync'; readonly from: number; readonly to: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), at: fc.nat(2), ctx: fc.nat(1000) }),
  fc.record({ kind: fc.constant('sync' as const), from: fc.nat(2), to: fc.nat(2) }),
);
const history = fc.array(op, { maxLength: 40 });

interface Write {
  readonly value: number;
  readonly dot: { readonly id: (typeof REPLICAS)[number]; readonly counter: number };
  readonly ctx: VersionVector;
}

interface Run {
  readonly states: DvvSet<number>[];
  readonly writes: Write[];
  /** Every state any replica has been in, in order: the pool contexts are read from. */
  readonly snapshots: DvvSet<number>[];
}

function run(ops: readonly Op[], check?: (r: Run) => void): Run {
  const r: Run = { states: REPLICAS.map(() => ({ entries: [], anonymous: [] })), writes: [], snapshots: [] };
  for (const o of ops) {
    if (o.kind === 'write') {
      const pick = o.ctx % (r.snapshots.length + 1);
      const ctx = pick === r.snapshots.length ? EMPTY_VV : join(r.snapshots[pick]!);
      const value = r.writes.length;
      const id = REPLICAS[o.at]!;
      const next = update(newWithContext(ctx, value), r.states[o.at], id);
      r.states[o.at] = next;
      r.writes.push({ value, dot: { id, counter: get(join(next), id) }, ctx });
      r.snapshots.push(next);
    } else {
      const next = sync(r.states[o.to]!, r.states[o.from]!);
      r.states[o.to] = next;
      r.snapshots.push(next);
    }
    check?.(r);
  }
  return r;
}

/** A write is covered once a later write's context includes its dot. */
function coveredBy(w: Write, writes: readonly Write[]): Write | undefined {
  return writes.find((u) => containsDot(u.ctx, w.dot.id, w.dot.counter));
}

const sorted = (vs: readonly number[]) => [...vs].sort((p, q) => p - q);

/** Three replica states from one history: realistic sets, consistent dots. */
const threeStates = history.map((ops) => {
  const r = run(ops);
  return [r.states[0]!, r.states[1]!, r.states[2]!] as const;
});

describe('DVV set sync', () => {
  it('is commutative', () => {
    fc.assert(
      fc.property(threeStates, ([x, y]) => {
        expect(equal(sync(x, y), sync(y, x))).toBe(true);
        expect(sorted(values(sync(x, y)))).toEqual(sorted(values(sync(y, x))));
      }),
    );
  });

  it('is associative', () => {
    fc.assert(
      fc.property(threeStates, ([x, y, z]) => {
        const l = sync(sync(x, y), z);
        const r = sync(x, sync(y, z));
        expect(equal(l, r)).toBe(true);
        expect(sorted(values(l))).toEqual(sorted(values(r)));
      }),
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(threeStates, ([x, y]) => {
        expect(equal(sync(x, x), x)).toBe(true);
        const xy = sync(x, y);
        expect(equal(sync(xy, y), xy)).toBe(true);
      }),
    );
  });
});

describe('DVV set causality over random histories', () => {
  it('a write covered by a context is never resurrected at a replica that has seen the covering write', () => {
    fc.assert(
      fc.property(history, (ops) => {
        run(ops, (r) => {
          for (const s of r.states) {
            const seen = join(s);
            for (const v of values(s)) {
              const w = r.writes[v]!;
              const u = coveredBy(w, r.writes);
              if (u) expect(containsDot(seen, u.dot.id, u.dot.counter)).toBe(false);
            }
          }
        });
      }),
      { numRuns: 200 },
    );
  });

  it('after syncing all replicas, the siblings are exactly the writes no context covered', () => {
    fc.assert(
      fc.property(history, fc.nat(5), (ops, rotate) => {
        const r = run(ops);
        const order = [...r.states.slice(rotate % 3), ...r.states.slice(0, rotate % 3)];
        const all = syncAll(order);
        const survivors = r.writes.filter((w) => coveredBy(w, r.writes) === undefined).map((w) => w.value);
        // Never silently dropped (⊇) and nothing superseded kept (⊆); no duplicates either.
        expect(sorted(values(all))).toEqual(survivors);
        expect(size(all)).toBe(survivors.length);
      }),
      { numRuns: 300 },
    );
  });

  it('join(update(ctx, state, r)) strictly dominates the context and descends the state', () => {
    fc.assert(
      fc.property(history, fc.nat(1000), fc.nat(2), (ops, pick, at) => {
        const r = run(ops);
        const ctx = r.snapshots.length === 0 ? EMPTY_VV : join(r.snapshots[pick % r.snapshots.length]!);
        const current = r.states[at]!;
        const next = join(update(newWithContext(ctx, -1), current, REPLICAS[at]!));
        expect(dominates(next, ctx)).toBe(true);
        expect(dominates(next, join(current))).toBe(true);
      }),
    );
  });
});

describe('no sibling explosion', () => {
  it('clients that read before they write never hold more siblings than there are clients', () => {
    // Riak's sibling explosion (paper §3): interleaved read-modify-write cycles made plain
    // version vectors keep every old value. With dots, each write removes what its reader saw.
    const schedule = fc.record({
      clients: fc.integer({ min: 1, max: 5 }),
      steps: fc.array(fc.record({ client: fc.nat(4), at: fc.nat(2) }), { maxLength: 200 }),
    });
    fc.assert(
      fc.property(schedule, ({ clients, steps }) => {
        let state: DvvSet<number> | undefined;
        const reads = new Map<number, VersionVector>();
        let value = 0;
        for (const step of steps) {
          const client = step.client % clients;
          const ctx = reads.get(client);
          if (ctx === undefined) {
            reads.set(client, state ? join(state) : EMPTY_VV);
          } else {
            state = update(newWithContext(ctx, value++), state, REPLICAS[step.at]!);
            reads.delete(client);
          }
          expect(state ? size(state) : 0).toBeLessThanOrEqual(clients);
        }
      }),
    );
  });

  it('a client that retries with the context returned by its last write keeps one sibling', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(2), { minLength: 1, maxLength: 100 }), (ats) => {
        let state: DvvSet<number> | undefined;
        let ctx: VersionVector = EMPTY_VV;
        for (const [i, at] of ats.entries()) {
          state = update(newWithContext(ctx, i), state, REPLICAS[at]!);
          ctx = join(state);
          expect(size(state)).toBe(1);
        }
      }),
    );
  });

  it('blind retries with one stale context add exactly one sibling each: siblings equal concurrent writes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.nat(2), (retries, at) => {
        const base = update(newWithContext(EMPTY_VV, -1), undefined, REPLICAS[0]!);
        const ctx = join(base);
        let state = base;
        for (let i = 0; i < retries; i++) {
          state = update(newWithContext(ctx, i), state, REPLICAS[at]!);
          // The superseded value is gone; each retry is one concurrent write and nothing more.
          expect(size(state)).toBe(i + 1);
          expect(descends(join(state), ctx)).toBe(true);
        }
      }),
    );
  });
});
