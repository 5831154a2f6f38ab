import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ChecksumEntry,
  checksumOfSorted,
  membershipChecksum,
} from '../../../src/membership/checksum.js';
import { MEMBER_STATES, nodeId } from '../../../src/membership/member.js';
import { checksumToGaugeValue } from '../../../src/membership/membership-metrics.js';
import { seededRandom } from '../../../src/runtime/random.js';

const entryArb: fc.Arbitrary<ChecksumEntry> = fc.record({
  id: fc.string({ minLength: 1, maxLength: 8 }).map(nodeId),
  incarnation: fc.nat({ max: 1000 }),
  state: fc.constantFrom(...MEMBER_STATES),
});

const view: readonly ChecksumEntry[] = [
  { id: nodeId('a'), incarnation: 1, state: 'alive' },
  { id: nodeId('b'), incarnation: 4, state: 'suspect' },
  { id: nodeId('c'), incarnation: 2, state: 'dead' },
  { id: nodeId('d'), incarnation: 0, state: 'left' },
];

describe('membershipChecksum', () => {
  it('is 16 hex digits and stable', () => {
    const c = membershipChecksum(view);
    expect(c).toMatch(/^[0-9a-f]{16}$/);
    expect(membershipChecksum(view)).toBe(c);
    expect(membershipChecksum([])).toMatch(/^[0-9a-f]{16}$/);
  });

  it('is SHA-1 over one JSON line per sorted (id, incarnation, state), however many members', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { minLength: 1, maxLength: 6000 }), (entries) => {
        const sorted = [...entries].sort((a, b) =>
          a.id !== b.id
            ? a.id < b.id
              ? -1
              : 1
            : a.incarnation !== b.incarnation
              ? a.incarnation - b.incarnation
              : a.state.localeCompare(b.state),
        );
        const lines = sorted.map((e) => `${JSON.stringify([e.id, e.incarnation, e.state])}\n`).join('');
        const expected = createHash('sha1').update(lines).digest('hex').slice(0, 16);
        expect(membershipChecksum(entries)).toBe(expected);
      }),
      { numRuns: 25 },
    );
  });

  it('checksumOfSorted of a sorted view with unique ids equals membershipChecksum of it in any order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(entryArb, { selector: (e) => e.id, maxLength: 200 }),
        fc.nat(),
        (entries, k) => {
          const sorted = [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
          const rotated = [
            ...entries.slice(k % (entries.length || 1)),
            ...entries.slice(0, k % (entries.length || 1)),
          ];
          expect(checksumOfSorted(sorted)).toBe(membershipChecksum(rotated));
        },
      ),
    );
  });

  it('does not depend on the order members were learned in', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 30 }), fc.integer(), (entries, seed) => {
        const shuffled = seededRandom(seed).shuffle(entries.slice());
        expect(membershipChecksum(shuffled)).toBe(membershipChecksum(entries));
      }),
    );
  });

  it('changes when any member changes incarnation or state', () => {
    const base = membershipChecksum(view);
    for (let i = 0; i < view.length; i++) {
      const e = view[i] as ChecksumEntry;
      const bumped = view.map((x, j) => (j === i ? { ...x, incarnation: e.incarnation + 1 } : x));
      expect(membershipChecksum(bumped)).not.toBe(base);
      for (const state of MEMBER_STATES.filter((s) => s !== e.state)) {
        const changed = view.map((x, j) => (j === i ? { ...x, state } : x));
        expect(membershipChecksum(changed)).not.toBe(base);
      }
    }
  });

  it('changes when a member is added or removed', () => {
    const base = membershipChecksum(view);
    expect(membershipChecksum(view.slice(1))).not.toBe(base);
    expect(membershipChecksum([...view, { id: nodeId('e'), incarnation: 0, state: 'alive' }])).not.toBe(base);
  });

  it('cannot be forged by ids that look like field separators', () => {
    const a = membershipChecksum([{ id: nodeId('x",1,"alive'), incarnation: 1, state: 'alive' }]);
    const b = membershipChecksum([{ id: nodeId('x'), incarnation: 1, state: 'alive' }]);
    expect(a).not.toBe(b);
  });

  it('maps to an exact integer gauge value below 2^52', () => {
    const v = checksumToGaugeValue(membershipChecksum(view));
    expect(Number.isSafeInteger(v)).toBe(true);
    expect(v).toBeLessThan(2 ** 52);
    expect(checksumToGaugeValue('ffffffffffffffff')).toBe(2 ** 52 - 1);
  });
});
