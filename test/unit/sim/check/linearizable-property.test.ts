import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AtomicOpSpec, simulateAtomicKv } from '../../../../src/sim/check/atomic-history.js';
import type { Operation } from '../../../../src/sim/check/history.js';
import { checkOperations } from '../../../../src/sim/check/linearizable.js';
import {
  type KvInput,
  type KvOutput,
  type RegisterInput,
  type RegisterOutput,
  registerModel,
} from '../../../../src/sim/check/model.js';

type RegisterOp = Operation<RegisterInput, RegisterOutput>;

const VALUES = ['a', 'b', 'c'] as const;

/** Operations on one key of an ideal atomic store; a small value domain so values repeat. */
const atomicSpecs = (maxLength: number): fc.Arbitrary<AtomicOpSpec[]> =>
  fc.array(
    fc.record({
      clientId: fc.integer({ min: 0, max: 4 }),
      input: fc.oneof(
        fc.constantFrom(...VALUES).map((value): KvInput => ({ op: 'write', key: 'k', value })),
        fc.constant<KvInput>({ op: 'read', key: 'k' }),
      ),
      callMs: fc.integer({ min: 0, max: 100 }),
      durationMs: fc.integer({ min: 0, max: 40 }),
      effectAt: fc.double({ min: 0, max: 1, noNaN: true }),
      outcome: fc.constantFrom<AtomicOpSpec['outcome']>(
        'returned',
        'returned',
        'returned',
        'returned',
        'applied-unacknowledged',
        'lost',
      ),
    }),
    { maxLength },
  );

const toRegister = (ops: readonly Operation<KvInput, KvOutput>[]): RegisterOp[] =>
  ops.map((op) => ({
    ...op,
    input: op.input.op === 'write' ? { op: 'write', value: op.input.value } : { op: 'read' },
  }));

/** Reference: try every real-time-respecting order. Exponential, for ≤ 7 operations. */
function bruteForceLinearizable(ops: readonly RegisterOp[]): boolean {
  const placed = new Array<boolean>(ops.length).fill(false);
  const search = (state: string | null, count: number): boolean => {
    if (count === ops.length) return true;
    for (let i = 0; i < ops.length; i++) {
      if (placed[i]) continue;
      const op = ops[i]!;
      // Op i can go next only if no unplaced op returned strictly before i was called.
      if (ops.some((u, j) => !placed[j] && j !== i && u.returnMs < op.callMs)) continue;
      const r = registerModel.step(state, op.input, op.output);
      if (!r.ok) continue;
      placed[i] = true;
      const found = search(r.state, count + 1);
      placed[i] = false;
      if (found) return true;
    }
    return false;
  };
  return search(null, 0);
}

/** Arbitrary (mostly non-linearizable) small histories with outputs drawn at random. */
const arbitraryHistory: fc.Arbitrary<RegisterOp[]> = fc.array(
  fc
    .record({
      clientId: fc.integer({ min: 0, max: 3 }),
      write: fc.option(fc.constantFrom(...VALUES), { nil: undefined }),
      readValue: fc.constantFrom<string | null>(null, ...VALUES),
      callMs: fc.integer({ min: 0, max: 20 }),
      durationMs: fc.integer({ min: 0, max: 10 }),
      pending: fc.boolean(),
    })
    .map(({ clientId, write, readValue, callMs, durationMs, pending }): RegisterOp => {
      const input: RegisterInput = write === undefined ? { op: 'read' } : { op: 'write', value: write };
      if (pending) {
        return { clientId, input, output: { kind: 'unknown' }, callMs, returnMs: Number.POSITIVE_INFINITY };
      }
      const value: RegisterOutput = write === undefined ? { op: 'read', value: readValue } : { op: 'write' };
      return { clientId, input, output: { kind: 'returned', value }, callMs, returnMs: callMs + durationMs };
    }),
  { maxLength: 7 },
);

describe('checkOperations properties', () => {
  it('every history of an ideal atomic register is linearizable', () => {
    fc.assert(
      fc.property(atomicSpecs(40), (specs) => {
        const ops = toRegister(simulateAtomicKv(specs));
        expect(checkOperations(registerModel, ops).result).toBe('ok');
      }),
      { numRuns: 300 },
    );
  });

  it('making one completed read return a value never written makes the history illegal', () => {
    fc.assert(
      fc.property(atomicSpecs(40), fc.nat(), (specs, pick) => {
        const ops = toRegister(simulateAtomicKv(specs));
        const reads = ops.flatMap((op, i) =>
          op.input.op === 'read' && op.output.kind === 'returned' ? [i] : [],
        );
        fc.pre(reads.length > 0);
        const victim = reads[pick % reads.length]!;
        const mutated = ops.map(
          (op, i): RegisterOp =>
            i === victim
              ? { ...op, output: { kind: 'returned', value: { op: 'read', value: 'never' } } }
              : op,
        );
        const r = checkOperations(registerModel, mutated);
        expect(r.result).toBe('illegal');
        if (r.result === 'illegal') expect(r.partialLinearization).not.toContain(victim);
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with a brute-force search over all orders on small arbitrary histories', () => {
    fc.assert(
      fc.property(arbitraryHistory, (ops) => {
        const expected = bruteForceLinearizable(ops) ? 'ok' : 'illegal';
        expect(checkOperations(registerModel, ops).result).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('the witness of an ok verdict respects real time and the register', () => {
    fc.assert(
      fc.property(arbitraryHistory, (ops) => {
        const r = checkOperations(registerModel, ops);
        if (r.result !== 'ok') return;
        const order = r.linearizations[0] ?? [];
        expect([...order].sort((a, b) => a - b)).toEqual(ops.map((_, i) => i));
        let state: string | null = null;
        order.forEach((i, pos) => {
          for (const later of order.slice(pos + 1)) expect(ops[later]!.returnMs < ops[i]!.callMs).toBe(false);
          const step = registerModel.step(state, ops[i]!.input, ops[i]!.output);
          expect(step.ok).toBe(true);
          if (step.ok) state = step.state;
        });
      }),
      { numRuns: 1000 },
    );
  });
});
