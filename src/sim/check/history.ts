/**
 * Client-observed histories for the linearizability checker (Herlihy & Wing, 1990): each operation is an
 * interval [callMs, returnMs] on a client plus what it returned. Times come from the simulator's virtual
 * clock, so histories replay exactly from a seed.
 */

/**
 * What the client saw. `unknown` means the operation timed out, failed ambiguously or its client crashed:
 * it may or may not have taken effect, and may still take effect later (a message in flight). Following
 * Porcupine's treatment of such operations, the checker gives them `returnMs = Infinity` and lets the model
 * accept any output, so they may linearize anywhere after their call; a write linearized after every other
 * operation is indistinguishable from one that never happened.
 */
export type Observed<O> = { readonly kind: 'returned'; readonly value: O } | { readonly kind: 'unknown' };

export interface Operation<I, O> {
  /** The issuing client; informational (the checker relies on the intervals, not on client order). */
  readonly clientId: number;
  readonly input: I;
  readonly output: Observed<O>;
  readonly callMs: number;
  /** Infinity exactly when `output` is unknown. */
  readonly returnMs: number;
}

/** An operation whose reply the client received. */
export function completed<I, O>(
  clientId: number,
  input: I,
  output: O,
  callMs: number,
  returnMs: number,
): Operation<I, O> {
  return { clientId, input, output: { kind: 'returned', value: output }, callMs, returnMs };
}

/** An operation with unknown outcome (timed out, ambiguous failure, crashed client). */
export function pending<I, O>(clientId: number, input: I, callMs: number): Operation<I, O> {
  return { clientId, input, output: { kind: 'unknown' }, callMs, returnMs: Number.POSITIVE_INFINITY };
}

export type HistoryEvent =
  | { readonly kind: 'call'; readonly opIndex: number; readonly timeMs: number }
  | { readonly kind: 'return'; readonly opIndex: number; readonly timeMs: number };

/** Throws on a malformed operation: a bug in the history recorder, not a consistency violation. */
export function validateOperation<I, O>(op: Operation<I, O>, index: number): void {
  if (!Number.isFinite(op.callMs)) throw new RangeError(`operation ${index}: callMs must be finite`);
  if (Number.isNaN(op.returnMs) || op.returnMs < op.callMs) {
    throw new RangeError(`operation ${index}: returnMs must be ≥ callMs`);
  }
  if (op.output.kind === 'unknown' && op.returnMs !== Number.POSITIVE_INFINITY) {
    throw new RangeError(`operation ${index}: an unknown outcome needs returnMs = Infinity`);
  }
}

/**
 * Call and return events in time order, the input of Wing & Gong's search. On equal times calls sort before
 * returns (as in Porcupine), so operations that merely touch count as concurrent: the checker never demands
 * an order that the clock's resolution cannot establish. Remaining ties break by operation index, so the
 * list, and hence the search, is deterministic.
 */
export function buildEvents<I, O>(ops: readonly Operation<I, O>[]): readonly HistoryEvent[] {
  const events: HistoryEvent[] = [];
  ops.forEach((op, opIndex) => {
    validateOperation(op, opIndex);
    events.push({ kind: 'call', opIndex, timeMs: op.callMs });
    events.push({ kind: 'return', opIndex, timeMs: op.returnMs });
  });
  events.sort((a, b) => {
    // Explicit comparisons: Infinity − Infinity is NaN.
    if (a.timeMs !== b.timeMs) return a.timeMs < b.timeMs ? -1 : 1;
    if (a.kind !== b.kind) return a.kind === 'call' ? -1 : 1;
    return a.opIndex - b.opIndex;
  });
  return events;
}
