import type { Operation } from './history.js';
import type { CheckResult } from './linearizable.js';
import type { Model } from './model.js';

/** One operation on one line: index, client, interval and what it did. */
export function describeOperation<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  index: number,
): string {
  const op = ops[index];
  if (op === undefined) throw new RangeError(`no operation ${index}`);
  const what = model.describeOperation?.(op.input, op.output) ?? JSON.stringify([op.input, op.output]);
  const end = op.returnMs === Number.POSITIVE_INFINITY ? '∞' : String(op.returnMs);
  return `#${index} client ${op.clientId} [${op.callMs}, ${end}] ${what}`;
}

/**
 * A failure message a person can act on, in the spirit of Porcupine's visualization but as text: the
 * longest linearizable prefix the search found, the state it leaves, and the operation that could not be
 * placed after it, plus the operations concurrent with that one (the only other candidates at that
 * point). Not a minimal counterexample, which would cost another exponential search.
 */
export function explainResult<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  result: CheckResult<S>,
): string {
  if (result.result === 'ok') return `linearizable (${ops.length} operations, ${result.steps} steps)`;
  if (result.result === 'unknown') {
    return `undecided after ${result.steps} steps in a partition of ${result.undecidedPartition.length} operations`;
  }
  const describe = (i: number): string => `  ${describeOperation(model, ops, i)}`;
  const describeState = model.describeState ?? ((s: S): string => JSON.stringify(s));
  const placed = new Set(result.partialLinearization);
  const blocked = ops[result.blockedOp]!;
  const concurrent = result.failingPartition.filter((i) => {
    const op = ops[i]!;
    return i !== result.blockedOp && !placed.has(i) && op.callMs <= blocked.returnMs;
  });
  const lines = [
    `not linearizable (${model.name}): partition of ${result.failingPartition.length} operations`,
    `longest linearizable prefix (${result.partialLinearization.length} operations):`,
    ...result.partialLinearization.map(describe),
    `state after prefix: ${describeState(result.stateAfterPrefix)}`,
    'could not be placed:',
    describe(result.blockedOp),
  ];
  if (concurrent.length > 0)
    lines.push('other unplaced operations called before it returned:', ...concurrent.map(describe));
  return lines.join('\n');
}
