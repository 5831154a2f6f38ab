import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DvvSet, emptySet, newSet, sync, update, values } from '../../../src/versioning/dvvset.js';
import { compareReplicaIds, type ReplicaId, replicaId } from '../../../src/versioning/replica-id.js';
import { greatestDotSibling, greatestStamp, latestStamped } from '../../../src/versioning/resolve.js';
import {
  bytesValue,
  TOMBSTONE,
  type VersionedValue,
  versionedValueEquals,
} from '../../../src/versioning/versioned-value.js';
import { dvvSet, threeStates } from './arbitraries.js';

type VSet = DvvSet<VersionedValue>;
const v = (s: string): VersionedValue => bytesValue(new TextEncoder().encode(s));
const a = replicaId('a');
const b = replicaId('b');

/** Every dotted sibling with its dot. */
function dotted(set: VSet): { id: ReplicaId; counter: number; value: VersionedValue }[] {
  return set.entries.flatMap((e) =>
    e.values.map((value, k) => ({ id: e.id, counter: e.counter - k, value })),
  );
}

describe('greatestDotSibling', () => {
  it('is undefined for an empty set, and for a set with only undotted values', () => {
    expect(greatestDotSibling(emptySet())).toBeUndefined();
    expect(greatestDotSibling({ entries: [], anonymous: [] })).toBeUndefined();
    expect(greatestDotSibling(newSet(v('x')))).toBeUndefined();
    expect(
      greatestDotSibling({ entries: [{ id: a, counter: 4, values: [] }], anonymous: [] }),
    ).toBeUndefined();
  });

  it('picks the greatest counter first', () => {
    const set: VSet = {
      entries: [
        { id: a, counter: 5, values: [v('a5')] },
        { id: b, counter: 3, values: [v('b3')] },
      ],
      anonymous: [],
    };
    expect(greatestDotSibling(set)).toEqual(v('a5'));
  });

  it('breaks a counter tie by the greater replica id', () => {
    const set: VSet = {
      entries: [
        { id: a, counter: 3, values: [v('a3'), v('a2')] },
        { id: b, counter: 3, values: [v('b3')] },
      ],
      anonymous: [v('anon')],
    };
    expect(greatestDotSibling(set)).toEqual(v('b3'));
  });

  it('counts an older sibling of an entry by its own dot (counter − k)', () => {
    // a's siblings carry dots (a,5) and (a,4); b's (b,4). The newest dot is (a,5).
    const set: VSet = {
      entries: [
        { id: a, counter: 5, values: [v('a5'), v('a4')] },
        { id: b, counter: 4, values: [v('b4')] },
      ],
      anonymous: [],
    };
    expect(greatestDotSibling(set)).toEqual(v('a5'));
    // Without a5, (b,4) beats (a,4) on the id.
    const older: VSet = {
      entries: [
        { id: a, counter: 5, values: [] },
        { id: b, counter: 4, values: [v('b4')] },
      ],
      anonymous: [],
    };
    expect(greatestDotSibling(older)).toEqual(v('b4'));
  });

  it('can pick a tombstone', () => {
    const set: VSet = {
      entries: [
        { id: a, counter: 2, values: [v('a2')] },
        { id: b, counter: 7, values: [TOMBSTONE] },
      ],
      anonymous: [],
    };
    expect(greatestDotSibling(set)).toBe(TOMBSTONE);
  });

  it('property: the winner is one of the set values, holding the greatest dot', () => {
    fc.assert(
      fc.property(dvvSet, (set) => {
        const winner = greatestDotSibling(set);
        const dots = dotted(set);
        if (dots.length === 0) {
          expect(winner).toBeUndefined();
          return;
        }
        expect(values(set)).toContain(winner);
        const best = dots.reduce((x, y) =>
          y.counter > x.counter || (y.counter === x.counter && compareReplicaIds(y.id, x.id) > 0) ? y : x,
        );
        expect(winner).toBe(best.value);
      }),
      { numRuns: 500 },
    );
  });

  it('property: the winner does not depend on the order replicas were synced in', () => {
    fc.assert(
      fc.property(threeStates, ([x, y, z]) => {
        const xy = greatestDotSibling(sync(x, y));
        const yx = greatestDotSibling(sync(y, x));
        expect(yx).toEqual(xy);
        if (xy !== undefined) expect([...values(x), ...values(y)]).toContainEqual(xy);
        expect(greatestDotSibling(sync(sync(x, y), z))).toEqual(greatestDotSibling(sync(z, sync(y, x))));
      }),
      { numRuns: 500 },
    );
  });
});

describe('latestStamped (last-writer-wins namespaces)', () => {
  const stamped = (text: string, wallMs: number, logical = 0): VersionedValue => ({
    kind: 'value',
    bytes: new TextEncoder().encode(text),
    ts: { wallMs, logical },
  });

  it('returns the sibling with the greatest stamp, whatever its dot, and unstamped ones count as oldest', () => {
    const a = update(newSet(stamped('late', 2_000)), undefined, replicaId('a'));
    const b = update(newSet(stamped('early', 1_000)), undefined, replicaId('b'));
    const b2 = update(newSet(stamped('early-but-newer-dot', 1_000, 5)), b, replicaId('b'));
    const merged = sync(sync(a, b2, versionedValueEquals), b, versionedValueEquals);
    expect(latestStamped(merged)).toEqual(stamped('late', 2_000));
    const plain = update(
      newSet(bytesValue(new TextEncoder().encode('unstamped'))),
      undefined,
      replicaId('z'),
    );
    expect(latestStamped(sync(plain, b, versionedValueEquals))).toEqual(stamped('early', 1_000));
    expect(greatestStamp(merged)).toEqual({ wallMs: 2_000, logical: 0 });
  });

  it('breaks a stamp tie by the greatest dot, so every node picks the same value', () => {
    const a = update(newSet(stamped('from-a', 1_000)), undefined, replicaId('a'));
    const b = update(newSet(stamped('from-b', 1_000)), undefined, replicaId('b'));
    expect(latestStamped(sync(a, b, versionedValueEquals))).toEqual(stamped('from-b', 1_000));
    expect(latestStamped(sync(b, a, versionedValueEquals))).toEqual(stamped('from-b', 1_000));
  });
});
