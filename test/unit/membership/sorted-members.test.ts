import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { membershipChecksum } from '../../../src/membership/checksum.js';
import { type MemberState, nodeId } from '../../../src/membership/member.js';
import type { Member } from '../../../src/membership/member-events.js';
import { indexById, SortedMembers } from '../../../src/membership/sorted-members.js';

function member(id: string, state: MemberState = 'alive', incarnation = 1): Member {
  return { id: nodeId(id), addr: `${id}:7946`, zone: '', meta: {}, incarnation, state };
}

function ids(s: SortedMembers): string[] {
  return s.all().map((m) => m.id);
}

describe('indexById', () => {
  it('finds a present id and the insertion point of an absent one', () => {
    const sorted = [member('b'), member('d')];
    expect(indexById(sorted, nodeId('b'))).toBe(0);
    expect(indexById(sorted, nodeId('c'))).toBe(1);
    expect(indexById(sorted, nodeId('e'))).toBe(2);
    expect(indexById([], nodeId('a'))).toBe(0);
  });
});

describe('SortedMembers', () => {
  it('keeps members sorted by id whatever order they are put in, and counts them by state', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { maxLength: 30 }), (names) => {
        const s = new SortedMembers();
        for (const n of names) s.put(member(n, 'suspect'), 0);
        expect(ids(s)).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
        expect(s.size).toBe(names.length);
        expect(s.countByState().suspect).toBe(names.length);
      }),
    );
  });

  it('replaces a member in place, keeping its state-change time unless given a new one', () => {
    const s = new SortedMembers();
    s.put(member('a'), 5);
    s.put(member('a', 'suspect', 2), undefined);
    expect(s.sinceMs(nodeId('a'))).toBe(5);
    s.put(member('a', 'dead', 2), 9);
    expect(s.sinceMs(nodeId('a'))).toBe(9);
    expect(s.get(nodeId('a'))?.state).toBe('dead');
    expect(s.countByState()).toEqual({ alive: 0, suspect: 0, dead: 1, left: 0 });
    expect(s.sinceMs(nodeId('b'))).toBeUndefined();
  });

  it('does not change an array it handed out (copy on write)', () => {
    const s = new SortedMembers();
    s.put(member('a'), 0);
    const before = s.all();
    s.put(member('b'), 0);
    s.remove(nodeId('a'));
    expect(before.map((m) => m.id)).toEqual(['a']);
    expect(ids(s)).toEqual(['b']);
  });

  it('merges a batch into place, the first of repeated ids winning', () => {
    const s = new SortedMembers();
    s.put(member('b'), 1);
    s.put(member('d'), 1);
    s.addAll([member('e'), member('a'), member('c', 'dead'), member('c', 'left')], 7);
    expect(ids(s)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(s.get(nodeId('c'))?.state).toBe('dead');
    expect(s.sinceMs(nodeId('a'))).toBe(7);
    expect(s.sinceMs(nodeId('b'))).toBe(1);
    expect(s.countByState()).toEqual({ alive: 4, suspect: 0, dead: 1, left: 0 });
  });

  it('checksums the view like membershipChecksum, and again after a change', () => {
    const s = new SortedMembers();
    s.put(member('b'), 0);
    s.put(member('a'), 0);
    expect(s.checksum()).toBe(membershipChecksum(s.all()));
    const first = s.checksum();
    s.put(member('a', 'suspect'), 0);
    expect(s.checksum()).not.toBe(first);
    expect(s.checksum()).toBe(membershipChecksum(s.all()));
  });

  it('lists the members whose state outlasted their timeout', () => {
    const s = new SortedMembers();
    s.put(member('a', 'dead'), 0);
    s.put(member('b', 'dead'), 50);
    s.put(member('c'), 0);
    expect(s.expired(100, (m) => (m.state === 'dead' ? 60 : undefined))).toEqual(['a']);
  });
});
