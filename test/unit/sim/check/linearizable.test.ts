import { describe, expect, it } from 'vitest';
import { explainResult } from '../../../../src/sim/check/explain.js';
import { completed, type Operation, pending } from '../../../../src/sim/check/history.js';
import { type CheckResult, checkOperations } from '../../../../src/sim/check/linearizable.js';
import {
  type RegisterInput,
  type RegisterOutput,
  type RegisterState,
  registerModel,
} from '../../../../src/sim/check/model.js';

type RegisterOp = Operation<RegisterInput, RegisterOutput>;

const write = (client: number, value: string, callMs: number, returnMs: number): RegisterOp =>
  completed(client, { op: 'write', value }, { op: 'write' }, callMs, returnMs);
const read = (client: number, value: string | null, callMs: number, returnMs: number): RegisterOp =>
  completed(client, { op: 'read' }, { op: 'read', value }, callMs, returnMs);
const pendingWrite = (client: number, value: string, callMs: number): RegisterOp =>
  pending(client, { op: 'write', value }, callMs);
const pendingRead = (client: number, callMs: number): RegisterOp => pending(client, { op: 'read' }, callMs);

const check = (ops: readonly RegisterOp[]): CheckResult<RegisterState> => checkOperations(registerModel, ops);

/** A witness must contain every op once, respect real-time order, and be accepted by the model. */
function expectValidWitness(ops: readonly RegisterOp[], order: readonly number[]): void {
  expect([...order].sort((a, b) => a - b)).toEqual(ops.map((_, i) => i));
  let state = registerModel.init();
  order.forEach((i, pos) => {
    for (const later of order.slice(pos + 1)) expect(ops[later]!.returnMs < ops[i]!.callMs).toBe(false);
    const op = ops[i]!;
    const r = registerModel.step(state, op.input, op.output);
    expect(r.ok).toBe(true);
    if (r.ok) state = r.state;
  });
}

describe('checkOperations on a register (Wing & Gong with Lowe’s memoization)', () => {
  it('an empty history is linearizable', () => {
    expect(check([]).result).toBe('ok');
  });

  it('a sequential write then read of the same value is linearizable, with that order as witness', () => {
    const ops = [write(1, 'a', 0, 10), read(2, 'a', 20, 30)];
    const r = check(ops);
    expect(r.result).toBe('ok');
    if (r.result === 'ok') expect(r.linearizations).toEqual([[0, 1]]);
  });

  it('a read before any write returns null (a missing key)', () => {
    expect(check([read(1, null, 0, 5), write(1, 'a', 10, 20)]).result).toBe('ok');
  });

  it('a stale read after a completed write is illegal, and the stale read is the op that cannot be placed', () => {
    const ops = [write(1, '1', 0, 10), write(1, '2', 20, 30), read(2, '1', 40, 50)];
    const r = check(ops);
    expect(r.result).toBe('illegal');
    if (r.result === 'illegal') {
      expect(r.partialLinearization).toEqual([0, 1]);
      expect(r.stateAfterPrefix).toBe('2');
      expect(r.blockedOp).toBe(2);
    }
  });

  it('a read concurrent with a write may return either the old or the new value', () => {
    expect(check([write(1, 'a', 0, 10), read(2, null, 5, 15)]).result).toBe('ok');
    expect(check([write(1, 'a', 0, 10), read(2, 'a', 5, 15)]).result).toBe('ok');
  });

  it('operations whose intervals only touch count as concurrent', () => {
    expect(check([write(1, 'a', 0, 10), read(2, null, 10, 20)]).result).toBe('ok');
    expect(check([write(1, 'a', 0, 10), read(2, null, 11, 20)]).result).toBe('illegal');
  });

  it('a read of a value never written is illegal', () => {
    expect(check([write(1, 'a', 0, 10), read(2, 'zzz', 5, 15)]).result).toBe('illegal');
  });

  it('two clients observing two concurrent writes in opposite orders is illegal', () => {
    const ops = [
      write(1, 'a', 0, 100),
      write(2, 'b', 0, 100),
      read(3, 'a', 10, 20),
      read(3, 'b', 30, 40),
      read(4, 'b', 10, 20),
      read(4, 'a', 30, 40),
    ];
    expect(check(ops).result).toBe('illegal');
    // Either order alone is fine.
    expect(check(ops.slice(0, 4)).result).toBe('ok');
  });

  it('a new-then-old read inversion during one slow write is illegal (what ABD write-back prevents)', () => {
    const ops = [write(1, '1', 0, 10), write(1, '2', 20, 60), read(2, '2', 30, 40), read(3, '1', 45, 50)];
    expect(check(ops).result).toBe('illegal');
    // Without the first read, the second may precede the slow write.
    expect(check([ops[0]!, ops[1]!, ops[3]!]).result).toBe('ok');
  });

  it('a pending write may be observed, after its call, or never observed', () => {
    expect(check([pendingWrite(1, 'a', 0), read(2, 'a', 10, 20)]).result).toBe('ok');
    expect(check([pendingWrite(1, 'a', 0), read(2, null, 10, 20)]).result).toBe('ok');
    expect(check([pendingWrite(1, 'a', 0), read(2, null, 10, 20), read(2, 'a', 30, 40)]).result).toBe('ok');
  });

  it('a pending write cannot be observed before its call, nor be undone once observed', () => {
    expect(check([read(2, 'a', 0, 5), pendingWrite(1, 'a', 10)]).result).toBe('illegal');
    expect(check([pendingWrite(1, 'a', 0), read(2, 'a', 10, 20), read(2, null, 30, 40)]).result).toBe(
      'illegal',
    );
  });

  it('a pending write lost by the store does not excuse a stale read of an older completed write', () => {
    const ops = [write(1, 'a', 0, 10), pendingWrite(1, 'b', 20), write(2, 'c', 30, 40), read(3, 'a', 50, 60)];
    expect(check(ops).result).toBe('illegal');
  });

  it('a pending read constrains nothing', () => {
    expect(check([write(1, 'a', 0, 10), pendingRead(2, 5), read(3, 'a', 20, 30)]).result).toBe('ok');
  });

  it('witnesses respect real time and the model', () => {
    const ops = [
      write(1, 'a', 0, 10),
      read(2, 'a', 5, 25),
      write(3, 'b', 12, 30),
      read(1, 'b', 20, 40),
      pendingWrite(2, 'c', 35),
      read(3, 'c', 50, 60),
    ];
    const r = check(ops);
    expect(r.result).toBe('ok');
    if (r.result === 'ok') expectValidWitness(ops, r.linearizations[0]!);
  });

  it('gives up with unknown, deterministically, when the step bound runs out', () => {
    // Many concurrent writes followed by a read of a value never written: the search must exhaust all
    // orders (modulo memoization) before it can say illegal.
    const ops = [
      ...Array.from({ length: 10 }, (_, i) => write(i, `v${i}`, 0, 100)),
      read(99, 'none', 200, 210),
    ];
    const bounded = checkOperations(registerModel, ops, { maxStepsPerPartition: 50 });
    expect(bounded).toEqual(checkOperations(registerModel, ops, { maxStepsPerPartition: 50 }));
    expect(bounded.result).toBe('unknown');
    expect(check(ops).result).toBe('illegal');
  });

  it('explains an illegal history with the longest prefix and the op that could not be placed', () => {
    const ops = [write(1, '1', 0, 10), write(1, '2', 20, 30), read(2, '1', 40, 50)];
    const text = explainResult(registerModel, ops, check(ops));
    expect(text).toContain('longest linearizable prefix (2 operations)');
    expect(text).toContain('#1 client 1 [20, 30] write("2") → ok');
    expect(text).toContain('state after prefix: "2"');
    expect(text).toMatch(/could not be placed:\n {2}#2 client 2 \[40, 50\] read\(\) → "1"/);
    expect(explainResult(registerModel, ops.slice(0, 2), check(ops.slice(0, 2)))).toMatch(/^linearizable/);
  });

  it('rejects malformed histories as programmer errors', () => {
    expect(() => check([write(1, 'a', 10, 5)])).toThrow(RangeError);
    const bad: RegisterOp = { ...pendingWrite(1, 'a', 0), returnMs: 10 };
    expect(() => check([bad])).toThrow(RangeError);
    const mismatched: RegisterOp = completed(1, { op: 'read' }, { op: 'write' }, 0, 1);
    expect(() => check([mismatched])).toThrow(TypeError);
  });
});
