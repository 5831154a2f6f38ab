import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GetCore, type GetReplicaResult } from '../../../src/coordinator/get-core.js';
import { type DvvSet, emptySet, join, newWithContext, sync, update } from '../../../src/versioning/dvvset.js';
import { type ReplicaId, replicaId } from '../../../src/versioning/replica-id.js';
import { bytesValue, TOMBSTONE, type VersionedValue } from '../../../src/versioning/versioned-value.js';

// Random histories of one key over five replicas (writes with a context read anywhere, deletes,
// replica-to-replica syncs), then a read. The oracle works on dots, independently of `sync`: a
// dot survives the merge iff every replica whose clock covers it still holds it.
const IDS: readonly ReplicaId[] = ['a', 'b', 'c', 'd', 'e'].map(replicaId);
const N = IDS.length;

type Op =
  | { readonly kind: 'write'; readonly at: number; readonly readFrom: number; readonly del: boolean }
  | { readonly kind: 'sync'; readonly to: number; readonly from: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('write' as const),
    at: fc.nat(N - 1),
    readFrom: fc.nat(N),
    del: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('sync' as const), to: fc.nat(N - 1), from: fc.nat(N - 1) }),
);

function run(ops: readonly Op[]): (DvvSet<VersionedValue> | undefined)[] {
  const states: (DvvSet<VersionedValue> | undefined)[] = IDS.map(() => undefined);
  ops.forEach((op, i) => {
    if (op.kind === 'write') {
      // readFrom === N: a blind write with no context.
      const ctx = op.readFrom < N ? join(states[op.readFrom] ?? emptySet()) : [];
      const value = op.del ? TOMBSTONE : bytesValue(new Uint8Array([i]));
      states[op.at] = update(newWithContext(ctx, value), states[op.at], IDS[op.at]!);
    } else {
      const from = states[op.from];
      if (from !== undefined) states[op.to] = sync(states[op.to] ?? emptySet(), from);
    }
  });
  return states;
}

const dots = (set: DvvSet<VersionedValue>): string[] =>
  set.entries.flatMap((e) => e.values.map((_, k) => `${e.id}:${e.counter - k}`)).sort();
const counter = (set: DvvSet<VersionedValue>, id: string): number =>
  set.entries.find((e) => e.id === id)?.counter ?? 0;

describe('GetCore over random histories (N=5)', () => {
  it('the response keeps every surviving write, drops every superseded one, and repairs exactly the replicas that differ', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 25 }),
        fc.array(fc.boolean(), { minLength: N, maxLength: N }),
        fc.integer({ min: 1, max: N }),
        (ops, errored, r) => {
          const states = run(ops);
          const replies: GetReplicaResult[] = states.map((s, i) =>
            errored[i]
              ? { kind: 'error', reason: 'down' }
              : s === undefined
                ? { kind: 'notfound' }
                : { kind: 'found', set: s },
          );
          const core = replies.reduce(
            (c, res, i) => c.addResult(IDS[i]!, res),
            GetCore.create<ReplicaId>({ n: N, r }),
          );
          const found = states.filter((s, i): s is DvvSet<VersionedValue> => s !== undefined && !errored[i]);
          const merged = core.merged();
          if (found.length === 0) {
            expect(merged).toBeUndefined();
            expect(core.finalAction()).toEqual({ kind: 'nop' });
            return;
          }
          // Oracle: clock is the pointwise max; dots are those no covering replica discarded.
          const allDots = [...new Set(found.flatMap(dots))];
          const expectedDots = allDots
            .filter((d) => {
              const [id, c] = d.split(':') as [string, string];
              return found.every((s) => counter(s, id) < Number(c) || dots(s).includes(d));
            })
            .sort();
          expect(dots(merged!)).toEqual(expectedDots);
          for (const id of IDS)
            expect(counter(merged!, id)).toBe(Math.max(...found.map((s) => counter(s, id))));
          const expectedRepairs = replies.flatMap((res, i) => {
            if (res.kind === 'notfound') return [{ replica: IDS[i], reason: 'notfound' }];
            if (res.kind === 'error') return [];
            const current =
              dots(res.set).join() === expectedDots.join() &&
              IDS.every((id) => counter(res.set, id) === counter(merged!, id));
            return current ? [] : [{ replica: IDS[i], reason: 'outofdate' }];
          });
          const action = core.finalAction();
          if (expectedRepairs.length > 0) {
            expect(action).toEqual({ kind: 'read-repair', replicas: expectedRepairs, merged });
          } else {
            expect(action.kind).not.toBe('read-repair');
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
