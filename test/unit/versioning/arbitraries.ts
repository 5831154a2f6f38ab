/**
 * fast-check arbitraries for the store's RPC and resolution tests: canonical version vectors and DVV sets of
 * byte values (the shapes the dvvset codec accepts, as in test/unit/versioning/codec.test.ts), and realistic
 * replica states from random write/sync histories (as in dvvset-properties.test.ts), whose dots name one
 * write each, which is what `sync`'s laws assume.
 */
import fc from 'fast-check';
import { type DvvSet, join, newWithContext, sync, update } from '../../../src/versioning/dvvset.js';
import { type ReplicaId, replicaId } from '../../../src/versioning/replica-id.js';
import { EMPTY_VV, fromEntries, type VersionVector } from '../../../src/versioning/version-vector.js';
import { bytesValue, TOMBSTONE, type VersionedValue } from '../../../src/versioning/versioned-value.js';

/** Full uint32 range (fc.integer stops at 2^31 − 1). */
export const uint32 = fc.tuple(fc.nat(0xffff), fc.nat(0xffff)).map(([hi, lo]) => hi * 0x10000 + lo);

/** Any Unicode text without lone surrogates, so it survives UTF-8. */
export const text = (constraints: { minLength?: number; maxLength?: number } = {}) =>
  fc.string({ maxLength: 16, ...constraints, unit: 'binary' });

export const replica: fc.Arbitrary<ReplicaId> = text({ minLength: 1, maxLength: 12 }).map(replicaId);
export const counter = fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.constant(Number.MAX_SAFE_INTEGER));

/** A canonical version vector: sorted unique ids, counters ≥ 1. */
export const versionVector: fc.Arbitrary<VersionVector> = fc
  .array(fc.record({ id: replica, counter }), { maxLength: 8 })
  .map((es) => fromEntries(es));

export const versionedValue: fc.Arbitrary<VersionedValue> = fc.oneof(
  fc.constant(TOMBSTONE),
  fc.uint8Array({ maxLength: 32 }).map(bytesValue),
);

/** A canonical DVV set (what the codec accepts): entries sorted and unique, ≤ counter values each. */
export const dvvSet: fc.Arbitrary<DvvSet<VersionedValue>> = fc
  .tuple(
    versionVector,
    fc.array(fc.array(versionedValue, { maxLength: 3 }), { maxLength: 8 }),
    fc.array(versionedValue, { maxLength: 2 }),
  )
  .map(([clock, lists, anonymous]) => ({
    entries: clock.map((e, i) => ({ ...e, values: (lists[i] ?? []).slice(0, e.counter) })),
    anonymous,
  }));

// Realistic states: clients write at random replicas with a context read from some earlier state, replicas
// sync pairwise. Each write's value is unique (its index as text), so a value names its write.
const REPLICAS = ['a', 'b', 'c'].map(replicaId);

type Op =
  | { readonly kind: 'write'; readonly at: number; readonly ctx: number; readonly tombstone: boolean }
  | { readonly kind: 'sync'; readonly from: number; readonly to: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('write' as const),
    at: fc.nat(2),
    ctx: fc.nat(1000),
    tombstone: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('sync' as const), from: fc.nat(2), to: fc.nat(2) }),
);

function replay(ops: readonly Op[]): DvvSet<VersionedValue>[] {
  const states: DvvSet<VersionedValue>[] = REPLICAS.map(() => ({ entries: [], anonymous: [] }));
  const snapshots: DvvSet<VersionedValue>[] = [];
  let writes = 0;
  for (const o of ops) {
    if (o.kind === 'write') {
      const pick = o.ctx % (snapshots.length + 1);
      const ctx = pick === snapshots.length ? EMPTY_VV : join(snapshots[pick]!);
      const value = o.tombstone ? TOMBSTONE : bytesValue(new TextEncoder().encode(`w${writes}`));
      writes++;
      const next = update(newWithContext(ctx, value), states[o.at], REPLICAS[o.at]!);
      states[o.at] = next;
      snapshots.push(next);
    } else {
      const next = sync(states[o.to]!, states[o.from]!);
      states[o.to] = next;
      snapshots.push(next);
    }
  }
  return states;
}

type VSet = DvvSet<VersionedValue>;

/** Three replica states of one key from one random history. */
export const threeStates: fc.Arbitrary<readonly [VSet, VSet, VSet]> = fc
  .array(op, { maxLength: 40 })
  .map((ops) => {
    const s = replay(ops);
    return [s[0]!, s[1]!, s[2]!] as const;
  });
