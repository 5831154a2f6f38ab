import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../../src/runtime/random.js';
import { type AtomicOpSpec, simulateAtomicKv } from '../../../../src/sim/check/atomic-history.js';
import { explainResult } from '../../../../src/sim/check/explain.js';
import { completed, type Operation } from '../../../../src/sim/check/history.js';
import { checkOperations } from '../../../../src/sim/check/linearizable.js';
import { type KvInput, type KvOutput, kvModel } from '../../../../src/sim/check/model.js';

type KvOp = Operation<KvInput, KvOutput>;

const write = (client: number, key: string, value: string, callMs: number, returnMs: number): KvOp =>
  completed(client, { op: 'write', key, value }, { op: 'write' }, callMs, returnMs);
const read = (client: number, key: string, value: string | null, callMs: number, returnMs: number): KvOp =>
  completed(client, { op: 'read', key }, { op: 'read', value }, callMs, returnMs);

/**
 * Clients each issue one operation at a time (call, wait, think, call again) on random keys against an
 * ideal atomic store; with 20 clients over 10 keys about two operations per key overlap at any moment.
 */
function workload(seed: number, opCount: number, keyCount: number, clientCount: number): AtomicOpSpec[] {
  const random = seededRandom(seed);
  const clockMs = new Array<number>(clientCount).fill(0);
  const specs: AtomicOpSpec[] = [];
  for (let i = 0; i < opCount; i++) {
    const clientId = random.int(clientCount);
    const key = `k${random.int(keyCount)}`;
    const callMs = clockMs[clientId]! + random.int(10);
    const durationMs = 1 + random.int(50);
    const roll = random.next();
    specs.push({
      clientId,
      input: random.next() < 0.5 ? { op: 'write', key, value: `v${i}` } : { op: 'read', key },
      callMs,
      durationMs,
      effectAt: random.next(),
      outcome: roll < 0.97 ? 'returned' : roll < 0.985 ? 'applied-unacknowledged' : 'lost',
    });
    clockMs[clientId] = callMs + durationMs;
  }
  return specs;
}

describe('kvModel: per-key partitioning (linearizability is local)', () => {
  it('splits a history by key, in first-seen key order', () => {
    const ops = [write(1, 'x', 'a', 0, 1), write(1, 'y', 'b', 2, 3), read(2, 'x', 'a', 4, 5)];
    expect(kvModel.partition?.(ops)).toEqual([[0, 2], [1]]);
  });

  it('checks keys independently: a value of one key is not visible through another', () => {
    const ok = [write(1, 'x', 'a', 0, 10), read(2, 'y', null, 20, 30), read(2, 'x', 'a', 40, 50)];
    const r = checkOperations(kvModel, ok);
    expect(r.result).toBe('ok');
    if (r.result === 'ok') expect(r.linearizations).toEqual([[0, 2], [1]]);
    expect(checkOperations(kvModel, [write(1, 'x', 'a', 0, 10), read(2, 'y', 'a', 20, 30)]).result).toBe(
      'illegal',
    );
  });

  it('reports the failing key’s partition with indices into the whole history', () => {
    const ops = [
      write(1, 'x', '1', 0, 10),
      write(3, 'y', 'q', 5, 6),
      write(1, 'x', '2', 20, 30),
      read(3, 'y', 'q', 35, 36),
      read(2, 'x', '1', 40, 50),
    ];
    const r = checkOperations(kvModel, ops);
    expect(r.result).toBe('illegal');
    if (r.result === 'illegal') {
      expect(r.failingPartition).toEqual([0, 2, 4]);
      expect(r.partialLinearization).toEqual([0, 2]);
      expect(r.blockedOp).toBe(4);
    }
    expect(explainResult(kvModel, ops, r)).toContain('#4 client 2 [40, 50] read("x") → "1"');
  });

  it('a 2,000-operation, 10-key history of an atomic store checks as ok; one stale read makes it illegal', () => {
    const ops = simulateAtomicKv(workload(7, 2000, 10, 20));
    const r = checkOperations(kvModel, ops);
    expect(r.result).toBe('ok');

    // Make a read return the value its key held before the latest write that completed before it was
    // called, if that write started after the previous value's write ended (so the value is truly stale).
    const stale = findStaleReadMutation(ops);
    expect(stale).toBeDefined();
    if (stale === undefined) return;
    const mutated = ops.map((op, i) => (i === stale.index ? stale.op : op));
    const bad = checkOperations(kvModel, mutated);
    expect(bad.result).toBe('illegal');
    if (bad.result === 'illegal') expect(bad.blockedOp).toBe(stale.index);
  });
});

/**
 * Finds a completed read R of key k and two completed writes W1 → W2 of k (W1 returned before W2 was
 * called, W2 returned before R was called, no write of W1's value elsewhere) and rewrites R to return W1's
 * value: W2 must then sit between W1 and R in every linearization, so the history is illegal.
 */
function findStaleReadMutation(
  ops: readonly KvOp[],
): { readonly index: number; readonly op: KvOp } | undefined {
  const writes = ops.flatMap((op, i) =>
    op.input.op === 'write' && op.output.kind === 'returned' ? [i] : [],
  );
  for (let index = 0; index < ops.length; index++) {
    const r = ops[index]!;
    if (r.input.op !== 'read' || r.output.kind !== 'returned') continue;
    const key = r.input.key;
    const sameKey = writes.filter((w) => ops[w]!.input.key === key);
    for (const w2 of sameKey) {
      if (!(ops[w2]!.returnMs < r.callMs)) continue;
      for (const w1 of sameKey) {
        const first = ops[w1]!;
        if (!(first.returnMs < ops[w2]!.callMs) || first.input.op !== 'write') continue;
        const value = first.input.value;
        return { index, op: { ...r, output: { kind: 'returned', value: { op: 'read', value } } } };
      }
    }
  }
  return undefined;
}
