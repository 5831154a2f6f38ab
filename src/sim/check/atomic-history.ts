import type { Operation } from './history.js';
import type { KvInput, KvOutput } from './model.js';

/**
 * One client operation against an ideal atomic store: it takes effect at a single instant inside its
 * interval (Herlihy & Wing's definition, run forwards). Used to generate histories that must check as
 * linearizable, the positive half of the checker's own tests.
 */
export interface AtomicOpSpec {
  readonly clientId: number;
  readonly input: KvInput;
  readonly callMs: number;
  readonly durationMs: number;
  /** Where in [callMs, callMs + durationMs] the operation takes effect, in [0, 1]. */
  readonly effectAt: number;
  /**
   * returned: the client got the reply. applied-unacknowledged: it took effect but the client timed out.
   * lost: it never took effect and the client timed out (a dropped request).
   */
  readonly outcome: 'returned' | 'applied-unacknowledged' | 'lost';
}

/** The history an ideal atomic KV store produces for these operations, in the order of `specs`. */
export function simulateAtomicKv(specs: readonly AtomicOpSpec[]): Operation<KvInput, KvOutput>[] {
  const order = specs
    .map((s, index) => ({ index, at: s.callMs + s.effectAt * s.durationMs }))
    .filter(({ index }) => specs[index]!.outcome !== 'lost')
    .sort((a, b) => a.at - b.at || a.index - b.index);
  const store = new Map<string, string>();
  const outputs = new Map<number, KvOutput>();
  for (const { index } of order) {
    const { input } = specs[index]!;
    if (input.op === 'write') {
      store.set(input.key, input.value);
      outputs.set(index, { op: 'write' });
    } else if (input.op === 'delete') {
      store.delete(input.key);
      outputs.set(index, { op: 'delete' });
    } else {
      outputs.set(index, { op: 'read', value: store.get(input.key) ?? null });
    }
  }
  return specs.map((s, index) => {
    const output = outputs.get(index);
    return s.outcome === 'returned' && output !== undefined
      ? {
          clientId: s.clientId,
          input: s.input,
          output: { kind: 'returned', value: output },
          callMs: s.callMs,
          returnMs: s.callMs + s.durationMs,
        }
      : {
          clientId: s.clientId,
          input: s.input,
          output: { kind: 'unknown' },
          callMs: s.callMs,
          returnMs: Number.POSITIVE_INFINITY,
        };
  });
}
