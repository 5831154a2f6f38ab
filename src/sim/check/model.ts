import type { Observed, Operation } from './history.js';

/** The result of applying one operation to a sequential specification. */
export type StepResult<S> = { readonly ok: true; readonly state: S } | { readonly ok: false };

/**
 * A sequential specification, as in Porcupine's `Model`: the checker looks for an order of the operations
 * that respects real time and that this specification accepts step by step.
 */
export interface Model<S, I, O> {
  readonly name: string;
  init(): S;
  /**
   * Applies `input` in `state`; not ok when the specification could not have produced `output`. An unknown
   * output must be accepted whenever the input is applicable (see `Observed`).
   */
  step(state: S, input: I, output: Observed<O>): StepResult<S>;
  /** State equality for the memoization cache (Lowe, 2017, §3): equal states have equal futures. */
  equal(a: S, b: S): boolean;
  /**
   * Splits a history into independent sub-histories (op indices), each checked alone. Sound when the
   * object is a product of independent objects: linearizability is local (Herlihy & Wing, 1990, §3.3), so a
   * history is linearizable iff each per-object sub-history is; the search cost is exponential in the
   * sub-history, not the whole.
   */
  partition?(ops: readonly Operation<I, O>[]): readonly (readonly number[])[];
  describeOperation?(input: I, output: Observed<O>): string;
  describeState?(state: S): string;
}

/** A delete is a write of "no value": reads after it return null, as for a key never written. */
export type RegisterInput =
  | { readonly op: 'write'; readonly value: string }
  | { readonly op: 'delete' }
  | { readonly op: 'read' };

/** A read returns null for a missing key. */
export type RegisterOutput =
  | { readonly op: 'write' }
  | { readonly op: 'delete' }
  | { readonly op: 'read'; readonly value: string | null };

/** The register's value; null until the first write (a missing key). */
export type RegisterState = string | null;

function checkShape(input: { readonly op: string }, output: Observed<{ readonly op: string }>): void {
  if (output.kind === 'returned' && output.value.op !== input.op) {
    throw new TypeError(`output of a ${input.op} is a ${output.value.op}`);
  }
}

function registerStep(
  state: RegisterState,
  input: RegisterInput,
  output: Observed<RegisterOutput>,
): StepResult<RegisterState> {
  checkShape(input, output);
  if (input.op === 'write') return { ok: true, state: input.value };
  if (input.op === 'delete') return { ok: true, state: null };
  if (output.kind === 'unknown') return { ok: true, state };
  const value = output.value.op === 'read' ? output.value.value : null;
  return value === state ? { ok: true, state } : { ok: false };
}

function describeRegisterOp(input: RegisterInput, output: Observed<RegisterOutput>, key?: string): string {
  let result = '?';
  if (output.kind === 'returned')
    result = output.value.op === 'read' ? JSON.stringify(output.value.value) : 'ok';
  const args = key === undefined ? [] : [JSON.stringify(key)];
  if (input.op === 'write') args.push(JSON.stringify(input.value));
  return `${input.op}(${args.join(', ')}) → ${result}`;
}

/** A single-key atomic register: reads return the last write, or null before any write. */
export const registerModel: Model<RegisterState, RegisterInput, RegisterOutput> = {
  name: 'register',
  init: () => null,
  step: registerStep,
  equal: (a, b) => a === b,
  describeOperation: (input, output) => describeRegisterOp(input, output),
  describeState: (state) => JSON.stringify(state),
};

export type KvInput =
  | { readonly op: 'write'; readonly key: string; readonly value: string }
  | { readonly op: 'delete'; readonly key: string }
  | { readonly op: 'read'; readonly key: string };

export type KvOutput = RegisterOutput;

function toRegisterInput(input: KvInput): RegisterInput {
  if (input.op === 'write') return { op: 'write', value: input.value };
  return input.op === 'delete' ? { op: 'delete' } : { op: 'read' };
}

/**
 * A key-value store as independent registers, one per key. `partition` splits by key, so `step` only ever
 * sees one key and its state is that key's register; this is the per-key claim of hearsay's strict mode.
 */
export const kvModel: Model<RegisterState, KvInput, KvOutput> = {
  name: 'kv',
  init: () => null,
  step: (state, input, output) => registerStep(state, toRegisterInput(input), output),
  equal: (a, b) => a === b,
  partition: (ops) => {
    // Map iteration follows insertion order: partitions come out in first-seen key order, deterministically.
    const byKey = new Map<string, number[]>();
    ops.forEach((op, index) => {
      const group = byKey.get(op.input.key);
      if (group === undefined) byKey.set(op.input.key, [index]);
      else group.push(index);
    });
    return [...byKey.values()];
  },
  describeOperation: (input, output) => describeRegisterOp(toRegisterInput(input), output, input.key),
  describeState: (state) => JSON.stringify(state),
};
