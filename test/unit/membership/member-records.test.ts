import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MEMBER_STATES, nodeId } from '../../../src/membership/member.js';
import type { Member } from '../../../src/membership/member-events.js';
import {
  internedIds,
  internMember,
  MAX_INTERNED_IDS,
  metaEqual,
} from '../../../src/membership/member-records.js';

// Ids unique to this file: the pool is process-wide and other tests in the worker may intern members too.
const memberArb: fc.Arbitrary<Member> = fc.record({
  id: fc.constantFrom('rec-a', 'rec-b', 'rec-c').map(nodeId),
  addr: fc.constantFrom('h1:1', 'h2:2'),
  zone: fc.constantFrom('', 'z'),
  meta: fc.dictionary(fc.constantFrom('k', 'l'), fc.constantFrom('1', '2'), { maxKeys: 2 }),
  incarnation: fc.nat({ max: 3 }),
  state: fc.constantFrom(...MEMBER_STATES),
});

function sameValue(a: Member, b: Member): boolean {
  return (
    a.id === b.id &&
    a.addr === b.addr &&
    a.zone === b.zone &&
    metaEqual(a.meta, b.meta) &&
    a.incarnation === b.incarnation &&
    a.state === b.state
  );
}

describe('internMember', () => {
  it('returns a frozen record equal in value to its argument', () => {
    fc.assert(
      fc.property(memberArb, (m) => {
        const r = internMember({ ...m, meta: { ...m.meta } });
        expect(Object.isFrozen(r)).toBe(true);
        expect(sameValue(r, m)).toBe(true);
      }),
    );
  });

  it('equal records interned one after the other are one instance; different ones never are', () => {
    fc.assert(
      fc.property(memberArb, memberArb, (a, b) => {
        const ra = internMember(a);
        const rb = internMember({ ...b, meta: { ...b.meta } });
        expect(ra === rb).toBe(sameValue(a, b));
      }),
    );
  });

  it('keeps the newest variants of a member: an old incarnation re-interned is a new instance, still equal', () => {
    const id = nodeId('rec-variants');
    const base: Member = { id, addr: 'h:1', zone: '', meta: {}, incarnation: 0, state: 'alive' };
    const first = internMember(base);
    for (let inc = 1; inc <= 4; inc++) internMember({ ...base, incarnation: inc });
    const again = internMember({ ...base });
    expect(again).not.toBe(first);
    expect(sameValue(again, first)).toBe(true);
    expect(internMember({ ...base, incarnation: 4 })).toBe(internMember({ ...base, incarnation: 4 }));
  });

  it('holds at most MAX_INTERNED_IDS ids, forgetting the least recently interned first', () => {
    const member = (name: string): Member => ({
      id: nodeId(name),
      addr: 'h:1',
      zone: '',
      meta: {},
      incarnation: 0,
      state: 'alive',
    });
    const kept = internMember(member('rec-bound-kept'));
    const dropped = internMember(member('rec-bound-dropped'));
    for (let i = 0; i < MAX_INTERNED_IDS; i++) {
      internMember(member(`rec-bound-${i}`));
      // Looking `kept` up refreshes it, so the flood of new ids evicts around it.
      if (i % 1024 === 0) {
        expect(internMember(member('rec-bound-kept'))).toBe(kept);
        expect(internedIds()).toBeLessThanOrEqual(MAX_INTERNED_IDS);
      }
    }
    expect(internedIds()).toBe(MAX_INTERNED_IDS);
    expect(internMember(member('rec-bound-kept'))).toBe(kept);
    // Forgotten: interning it again gives a new instance, still equal (only the sharing was lost).
    const again = internMember(member('rec-bound-dropped'));
    expect(again).not.toBe(dropped);
    expect(sameValue(again, dropped)).toBe(true);
  });
});
