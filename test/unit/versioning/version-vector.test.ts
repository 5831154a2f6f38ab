import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replicaId } from '../../../src/versioning/replica-id.js';
import {
  concurrent,
  descends,
  dominates,
  equal,
  fromEntries,
  isCanonical,
  merge,
  type VersionVector,
} from '../../../src/versioning/version-vector.js';

const vv: fc.Arbitrary<VersionVector> = fc
  .array(fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd').map(replicaId), counter: fc.nat(5) }), {
    maxLength: 6,
  })
  .map((es) => fromEntries(es));

describe('version vector', () => {
  it('fromEntries is canonical: sorted, unique, no zeros', () => {
    fc.assert(
      fc.property(vv, (v) => {
        expect(isCanonical(v)).toBe(true);
      }),
    );
    const a = replicaId('a');
    const b = replicaId('b');
    expect(
      fromEntries([
        { id: b, counter: 2 },
        { id: a, counter: 0 },
        { id: b, counter: 3 },
      ]),
    ).toEqual([{ id: b, counter: 3 }]);
  });

  it('merge is the least upper bound: commutative, associative, idempotent, canonical', () => {
    fc.assert(
      fc.property(vv, vv, vv, (x, y, z) => {
        expect(merge(x, y)).toEqual(merge(y, x));
        expect(merge(merge(x, y), z)).toEqual(merge(x, merge(y, z)));
        expect(merge(x, x)).toEqual(x);
        expect(isCanonical(merge(x, y))).toBe(true);
        expect(descends(merge(x, y), x) && descends(merge(x, y), y)).toBe(true);
      }),
    );
  });

  it('exactly one of equal, dominates either way, or concurrent holds', () => {
    fc.assert(
      fc.property(vv, vv, (x, y) => {
        const cases = [equal(x, y), dominates(x, y), dominates(y, x), concurrent(x, y)];
        expect(cases.filter(Boolean)).toHaveLength(1);
      }),
    );
  });
});
