import { buildEvents, type Operation } from './history.js';
import type { Model } from './model.js';

export interface CheckOptions {
  /**
   * Search steps allowed per partition before giving up with 'unknown'. The search is exponential in the
   * worst case (linearizability checking is NP-complete: Gibbons & Korach, 1997); a step bound rather than
   * a wall-clock timeout keeps the verdict deterministic for a given history. Each step is one attempted
   * linearization or one backtrack.
   */
  readonly maxStepsPerPartition?: number;
}

/**
 * Large enough for the fault runs' one-key `hot` workload (8 clients, ~1,500 operations on one key: seed 207
 * needed more than 2,000,000 steps and decided well within this); an undecided partition still ends in
 * seconds.
 */
export const DEFAULT_MAX_STEPS_PER_PARTITION = 40_000_000;

/**
 * The verdict. Operation references are indices into the `ops` passed to `checkOperations`.
 * - ok: `linearizations[p]` is a witness order for partition p.
 * - illegal: partition `failingPartition` has no linearization. `partialLinearization` is the longest
 *   linearizable prefix the search found, `stateAfterPrefix` the model state after it, and `blockedOp` the
 *   operation whose return the search reached without being able to linearize it there.
 * - unknown: the step bound ran out in `undecidedPartition` (and no other partition was illegal).
 */
export type CheckResult<S> =
  | { readonly result: 'ok'; readonly linearizations: readonly (readonly number[])[]; readonly steps: number }
  | {
      readonly result: 'illegal';
      readonly failingPartition: readonly number[];
      readonly partialLinearization: readonly number[];
      readonly stateAfterPrefix: S;
      readonly blockedOp: number;
      readonly steps: number;
    }
  | { readonly result: 'unknown'; readonly undecidedPartition: readonly number[]; readonly steps: number };

type PartitionResult<S> =
  | { readonly result: 'ok'; readonly linearization: readonly number[]; readonly steps: number }
  | {
      readonly result: 'illegal';
      readonly partialLinearization: readonly number[];
      readonly stateAfterPrefix: S;
      readonly blockedOp: number;
      readonly steps: number;
    }
  | { readonly result: 'unknown'; readonly steps: number };

/**
 * Checks that `ops` is linearizable with respect to `model`. Partitions (per key for a KV store) are
 * checked one after another: any illegal partition makes the history illegal; otherwise a partition that
 * ran out of steps makes it unknown.
 */
export function checkOperations<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  options: CheckOptions = {},
): CheckResult<S> {
  const maxSteps = options.maxStepsPerPartition ?? DEFAULT_MAX_STEPS_PER_PARTITION;
  const partitions = model.partition?.(ops) ?? [ops.map((_, i) => i)];
  const linearizations: (readonly number[])[] = [];
  let undecided: readonly number[] | undefined;
  let steps = 0;
  for (const indices of partitions) {
    const sub = indices.map((i) => {
      const op = ops[i];
      if (op === undefined) throw new RangeError(`partition refers to missing operation ${i}`);
      return op;
    });
    const r = checkPartition(model, sub, maxSteps);
    steps += r.steps;
    const global = (local: number): number => indices[local]!;
    if (r.result === 'illegal') {
      return {
        result: 'illegal',
        failingPartition: indices,
        partialLinearization: r.partialLinearization.map(global),
        stateAfterPrefix: r.stateAfterPrefix,
        blockedOp: global(r.blockedOp),
        steps,
      };
    }
    if (r.result === 'unknown') undecided ??= indices;
    else linearizations.push(r.linearization.map(global));
  }
  if (undecided !== undefined) return { result: 'unknown', undecidedPartition: undecided, steps };
  return { result: 'ok', linearizations, steps };
}

interface CacheEntry<S> {
  readonly linearized: Uint32Array;
  readonly state: S;
}

/** murmur3's fmix32: a bijective 32-bit mixer, so every operation gets a distinct, well-spread hash key. */
function fmix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function bitsEqual(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Wing & Gong's search (1993) with Lowe's memoization (2017), following Porcupine's `checkSingle`.
 *
 * The history is a doubly linked list of call and return entries in time order. Walking it, at a call the
 * search tries to linearize that operation next (apply it to the model, lift its call and return out of
 * the list, restart from the head); reaching a return means that operation had to be linearized already,
 * so the search backtracks to the last choice. The list is stored as index arrays ("dancing links") so
 * lift and unlift are O(1) without allocation.
 *
 * Lowe's improvement: a configuration is (set of linearized ops, model state); the future depends only on
 * it, so a configuration seen before is never explored again. The set is a bitset whose hash is kept
 * incrementally by XOR of per-operation keys (Zobrist hashing), so each probe costs O(1) until a hash hit.
 */
function checkPartition<S, I, O>(
  model: Model<S, I, O>,
  ops: readonly Operation<I, O>[],
  maxSteps: number,
): PartitionResult<S> {
  const n = ops.length;
  const events = buildEvents(ops);
  // Node 0 is the head sentinel; node k ≥ 1 is events[k − 1]. -1 is null.
  const size = 2 * n + 1;
  const next = new Int32Array(size);
  const prev = new Int32Array(size);
  const opOf = new Int32Array(size);
  const returnNodeOf = new Int32Array(n);
  const isCall = new Uint8Array(size);
  for (let k = 0; k < size; k++) {
    next[k] = k + 1 < size ? k + 1 : -1;
    prev[k] = k - 1;
  }
  events.forEach((e, i) => {
    opOf[i + 1] = e.opIndex;
    if (e.kind === 'call') isCall[i + 1] = 1;
    else returnNodeOf[e.opIndex] = i + 1;
  });

  const lift = (call: number): void => {
    const ret = returnNodeOf[opOf[call]!]!;
    next[prev[call]!] = next[call]!;
    prev[next[call]!] = prev[call]!;
    next[prev[ret]!] = next[ret]!;
    if (next[ret] !== -1) prev[next[ret]!] = prev[ret]!;
  };
  const unlift = (call: number): void => {
    const ret = returnNodeOf[opOf[call]!]!;
    next[prev[ret]!] = ret;
    if (next[ret] !== -1) prev[next[ret]!] = ret;
    next[prev[call]!] = call;
    prev[next[call]!] = call;
  };

  const zobrist = new Uint32Array(n);
  for (let i = 0; i < n; i++) zobrist[i] = fmix32(i + 1);
  const linearized = new Uint32Array(Math.ceil(n / 32));
  let hash = 0;
  const toggle = (op: number): void => {
    const word = op >>> 5;
    linearized[word] = linearized[word]! ^ (1 << (op & 31));
    hash ^= zobrist[op]!;
  };
  const cache = new Map<number, CacheEntry<S>[]>();
  // Returns true if the configuration was new (and records it).
  const remember = (state: S): boolean => {
    const bucket = cache.get(hash);
    if (bucket === undefined) {
      cache.set(hash, [{ linearized: linearized.slice(), state }]);
      return true;
    }
    for (const e of bucket)
      if (bitsEqual(e.linearized, linearized) && model.equal(e.state, state)) return false;
    bucket.push({ linearized: linearized.slice(), state });
    return true;
  };

  // The stack of choices: the call node linearized and the state before it.
  const callStack: number[] = [];
  const stateStack: S[] = [];
  let longest: { readonly prefix: readonly number[]; readonly state: S; readonly blockedOp: number } | null =
    null;

  let state = model.init();
  let node = next[0]!;
  let steps = 0;
  while (next[0] !== -1) {
    if (++steps > maxSteps) return { result: 'unknown', steps: steps - 1 };
    const op = opOf[node]!;
    if (isCall[node] === 1) {
      const operation = ops[op]!;
      const r = model.step(state, operation.input, operation.output);
      let advanced = false;
      if (r.ok) {
        toggle(op);
        if (remember(r.state)) {
          callStack.push(node);
          stateStack.push(state);
          state = r.state;
          lift(node);
          node = next[0]!;
          advanced = true;
        } else {
          toggle(op);
        }
      }
      // A call node is always followed by its own return, so next is never null here.
      if (!advanced) node = next[node]!;
    } else {
      // Every choice made so far forces `op` (whose return this is) to come later than allowed.
      if (longest === null || callStack.length > longest.prefix.length) {
        longest = { prefix: callStack.map((c) => opOf[c]!), state, blockedOp: op };
      }
      const call = callStack.pop();
      if (call === undefined) {
        return {
          result: 'illegal',
          partialLinearization: longest.prefix,
          stateAfterPrefix: longest.state,
          blockedOp: longest.blockedOp,
          steps,
        };
      }
      state = stateStack.pop()!;
      toggle(opOf[call]!);
      unlift(call);
      node = next[call]!;
    }
  }
  return { result: 'ok', linearization: callStack.map((c) => opOf[c]!), steps };
}
