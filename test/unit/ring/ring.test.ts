import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MEMBER_STATES, type MemberState, type NodeId, nodeId } from '../../../src/membership/member.js';
import type { Member } from '../../../src/membership/member-events.js';
import { DEFAULT_PARTITIONS } from '../../../src/ring/config.js';
import type { PartitionId } from '../../../src/ring/partition.js';
import { rendezvousWeight } from '../../../src/ring/rendezvous.js';
import { diff, Ring } from '../../../src/ring/ring.js';

/** Small Q keeps the properties fast; placement logic does not depend on Q. */
const Q = 64;
const config = { partitions: Q } as const;
const ZONES = ['', 'z1', 'z2', 'z3', 'z4'] as const;

function member(id: string, zone = '', state: MemberState = 'alive'): Member {
  return { id: nodeId(id), addr: `${id}:7946`, zone, meta: {}, incarnation: 1, state };
}

const partitions = (q: number): PartitionId[] => Array.from({ length: q }, (_, p) => p as PartitionId);
const eligibleOf = (ms: readonly Member[]): Member[] =>
  ms.filter((m) => m.state === 'alive' || m.state === 'suspect');

const idArb = fc.string({ minLength: 1, maxLength: 6 });
const membersArb = (states: readonly MemberState[] = MEMBER_STATES, maxLength = 12) =>
  fc
    .uniqueArray(
      fc.record({ id: idArb, zone: fc.constantFrom(...ZONES), state: fc.constantFrom(...states) }),
      { selector: (r) => r.id, maxLength },
    )
    .map((rs) => rs.map((r) => member(r.id, r.zone, r.state)));
const nArb = fc.integer({ min: 1, max: 5 });

describe('Ring owners (rendezvous, zone-aware)', () => {
  it('do not depend on the order members are listed in', () => {
    fc.assert(
      fc.property(
        membersArb().chain((ms) =>
          fc.tuple(fc.constant(ms), fc.shuffledSubarray(ms, { minLength: ms.length })),
        ),
        nArb,
        ([ms, shuffled], n) => {
          const a = new Ring(ms, config);
          const b = new Ring(shuffled, config);
          for (const p of partitions(Q)) expect(b.owners(p, n)).toEqual(a.owners(p, n));
        },
      ),
    );
  });

  it('are exactly min(N, eligible) distinct alive-or-suspect members', () => {
    fc.assert(
      fc.property(membersArb(), nArb, (ms, n) => {
        const ring = new Ring(ms, config);
        const eligible = new Set(eligibleOf(ms).map((m) => m.id));
        for (const p of partitions(Q)) {
          const owners = ring.owners(p, n);
          expect(owners).toHaveLength(Math.min(n, eligible.size));
          expect(new Set(owners).size).toBe(owners.length);
          for (const id of owners) expect(eligible.has(id)).toBe(true);
        }
      }),
    );
  });

  it('span min(N, zones) distinct zones: N zones when there are enough, every zone otherwise', () => {
    fc.assert(
      fc.property(membersArb(['alive', 'suspect']), nArb, (ms, n) => {
        const ring = new Ring(ms, config);
        const zoneOf = new Map(ms.map((m) => [m.id, m.zone]));
        const zones = new Set(ms.map((m) => m.zone)).size;
        for (const p of partitions(Q)) {
          const ownerZones = new Set(ring.owners(p, n).map((id) => zoneOf.get(id)));
          expect(ownerZones.size).toBe(Math.min(n, zones));
        }
      }),
    );
  });

  it('start with the highest-weight member, and ignore zones when no member has one', () => {
    const ms = ['a', 'b', 'c', 'd', 'e'].map((id) => member(id));
    const ring = new Ring(ms, config);
    for (const p of partitions(Q)) {
      const byWeight = ms
        .map((m) => m.id)
        .sort((x, y) => rendezvousWeight(p, y) - rendezvousWeight(p, x))
        .slice(0, 3);
      expect(ring.owners(p, 3)).toEqual(byWeight);
    }
  });

  it('keep a suspect member as owner: a suspicion alone moves no partition', () => {
    const alive = ['a', 'b', 'c', 'd'].map((id) => member(id));
    const suspected = alive.map((m) => (m.id === 'b' ? { ...m, state: 'suspect' as const } : m));
    expect(diff(new Ring(alive, config), new Ring(suspected, config), 3)).toEqual([]);
  });

  it('of an empty or all-dead view are empty', () => {
    const ring = new Ring([member('a', '', 'dead'), member('b', '', 'left')], config);
    expect(ring.owners(0 as PartitionId, 3)).toEqual([]);
    expect(ring.preferenceList(0 as PartitionId, 3, 2)).toEqual([]);
    expect(ring.ownedBy(nodeId('a'), 3)).toEqual([]);
  });

  it('reject duplicate member ids, bad partitions and bad replica counts (programmer errors)', () => {
    expect(() => new Ring([member('a'), member('a', 'z1')], config)).toThrow(RangeError);
    const ring = new Ring([member('a')], config);
    expect(() => ring.owners(Q as PartitionId, 1)).toThrow(RangeError);
    expect(() => ring.owners(0 as PartitionId, -1)).toThrow(RangeError);
    expect(() => ring.preferenceList(0 as PartitionId, 1, 1.5)).toThrow(RangeError);
    expect(() => new Ring([], { partitions: 0 })).toThrow(RangeError);
  });

  it('uses Q = 256 partitions by default', () => {
    const ring = new Ring([member('a')]);
    expect(ring.partitions).toBe(DEFAULT_PARTITIONS);
    expect(ring.partitionOf('user:42')).toBe(72);
  });
});

describe('Ring minimal disruption', () => {
  it('adding a member: each partition loses at most one owner, and only to the newcomer', () => {
    fc.assert(
      fc.property(
        membersArb(['alive', 'suspect']),
        idArb,
        fc.constantFrom(...ZONES),
        nArb,
        (ms, newId, zone, n) => {
          fc.pre(!ms.some((m) => m.id === newId));
          const before = new Ring(ms, config);
          const after = new Ring([...ms, member(newId, zone)], config);
          for (const change of diff(before, after, n)) {
            expect(change.added).toEqual([newId]);
            expect(change.removed.length).toBeLessThanOrEqual(1);
          }
        },
      ),
    );
  });

  it('removing (or failing) a member changes only partitions it owned, replacing it by one member', () => {
    fc.assert(
      fc.property(
        membersArb(['alive', 'suspect']).filter((ms) => ms.length > 0),
        fc.nat(),
        nArb,
        fc.boolean(),
        (ms, pick, n, fail) => {
          const gone = ms[pick % ms.length] as Member;
          const rest = fail
            ? ms.map((m) => (m.id === gone.id ? { ...m, state: 'dead' as const } : m))
            : ms.filter((m) => m.id !== gone.id);
          const before = new Ring(ms, config);
          const after = new Ring(rest, config);
          const owned = new Set(before.ownedBy(gone.id, n));
          const changes = diff(before, after, n);
          expect(changes.map((c) => c.partition)).toEqual([...owned]);
          for (const change of changes) {
            expect(change.removed).toEqual([gone.id]);
            expect(change.added.length).toBeLessThanOrEqual(1);
          }
        },
      ),
    );
  });

  it('adding an 11th member moves about N/(m+1) of partitions', () => {
    // Each partition's top-N set gains the newcomer with probability N/(m+1) = 3/11, so ≈ 69.8 of 256 change
    // (binomial σ ≈ 7.1). The band [45, 95] is ±3.5σ; with fixed ids the test is deterministic anyway.
    const ms = Array.from({ length: 10 }, (_, i) => member(`node-${i}`));
    const changes = diff(new Ring(ms), new Ring([...ms, member('node-10')]), 3);
    expect(changes.length).toBeGreaterThan(45);
    expect(changes.length).toBeLessThan(95);
  });
});

describe('Ring balance', () => {
  /** Primary counts per member over all partitions. */
  function primaryCounts(ring: Ring, n: number): Map<NodeId, number> {
    return new Map(ring.describe(n).members.map((m) => [m.id, m.primaries]));
  }

  it('10 members, Q = 256, N = 3: every member holds within ±30 % of Q·N/m = 76.8 primaries', () => {
    // A member's count is Binomial(256, 3/10): σ ≈ 7.3, so ±30 % (±23) is > 3σ. Fixed ids make it exact.
    for (const prefix of ['node-', 'hearsay-', '10.0.0.']) {
      const ring = new Ring(Array.from({ length: 10 }, (_, i) => member(`${prefix}${i}`)));
      const expected = (256 * 3) / 10;
      for (const count of primaryCounts(ring, 3).values()) {
        expect(count).toBeGreaterThan(expected * 0.7);
        expect(count).toBeLessThan(expected * 1.3);
      }
    }
  });

  it('with zones, each zone holds one replica per partition, shared evenly by its members', () => {
    // Zones of 4, 3 and 3 members with N = 3: every partition has one replica per zone, so a member of a
    // zone of size s holds ≈ Q/s primaries (64 or 85.3), again within ±30 % (σ ≤ 7.5).
    const zones = ['a', 'a', 'a', 'a', 'b', 'b', 'b', 'c', 'c', 'c'];
    const ms = zones.map((zone, i) => member(`node-${i}`, zone));
    const ring = new Ring(ms);
    const counts = primaryCounts(ring, 3);
    for (const m of ms) {
      const expected = 256 / zones.filter((z) => z === m.zone).length;
      expect(counts.get(m.id)).toBeGreaterThan(expected * 0.7);
      expect(counts.get(m.id)).toBeLessThan(expected * 1.3);
    }
  });
});

describe('Ring preference list (primaries, then fallbacks)', () => {
  it('lists the owners as primaries first, then distinct fallbacks by descending weight', () => {
    fc.assert(
      fc.property(membersArb(), nArb, fc.integer({ min: 0, max: 5 }), (ms, n, extra) => {
        const ring = new Ring(ms, config);
        const eligible = eligibleOf(ms);
        for (const p of partitions(Q)) {
          const list = ring.preferenceList(p, n, extra);
          const owners = ring.owners(p, n);
          const primaries = list.filter((e) => e.role === 'primary').map((e) => e.node);
          const fallbacks = list.filter((e) => e.role === 'fallback').map((e) => e.node);
          expect(list.slice(0, owners.length).map((e) => e.node)).toEqual(owners);
          expect(primaries).toEqual(owners);
          expect(list).toHaveLength(Math.min(owners.length + extra, eligible.length));
          expect(new Set(list.map((e) => e.node)).size).toBe(list.length);
          const expectedFallbacks = eligible
            .filter((m) => !owners.includes(m.id))
            .sort((a, b) => rendezvousWeight(p, b.id) - rendezvousWeight(p, a.id))
            .slice(0, extra)
            .map((m) => m.id);
          expect(fallbacks).toEqual(expectedFallbacks);
        }
      }),
    );
  });

  it('skips dead and departed members as fallbacks', () => {
    const ms = [
      member('a'),
      member('b'),
      member('c', '', 'suspect'),
      member('d', '', 'dead'),
      member('e', '', 'left'),
      member('f'),
    ];
    const ring = new Ring(ms, config);
    for (const p of partitions(Q)) {
      const list = ring.preferenceList(p, 2, 10);
      expect(list.map((e) => e.node).sort()).toEqual(['a', 'b', 'c', 'f']);
      expect(list.filter((e) => e.role === 'fallback')).toHaveLength(2);
    }
  });
});

describe('Ring ownedBy, diff and describe', () => {
  it('ownedBy lists exactly the partitions whose owners include the member', () => {
    fc.assert(
      fc.property(membersArb(), nArb, (ms, n) => {
        const ring = new Ring(ms, config);
        let total = 0;
        for (const m of ms) {
          const owned = ring.ownedBy(m.id, n);
          total += owned.length;
          expect(owned).toEqual(partitions(Q).filter((p) => ring.owners(p, n).includes(m.id)));
        }
        expect(total).toBe(Q * Math.min(n, eligibleOf(ms).length));
      }),
    );
  });

  it('diff of a ring with itself is empty, and rings of different Q cannot be compared', () => {
    const ms = ['a', 'b', 'c'].map((id) => member(id));
    expect(diff(new Ring(ms, config), new Ring(ms, config), 2)).toEqual([]);
    expect(() => diff(new Ring(ms, config), new Ring(ms, { partitions: 32 }), 2)).toThrow(RangeError);
  });

  it('diff lists, per changed partition in ascending order, the owners added and removed', () => {
    const before = new Ring(
      ['a', 'b', 'c'].map((id) => member(id)),
      config,
    );
    const after = new Ring(
      ['a', 'b', 'c', 'd'].map((id) => member(id)),
      config,
    );
    const changes = diff(before, after, 2);
    // The newcomer takes exactly the partitions it now owns, each from one previous owner.
    expect(changes.map((c) => c.partition)).toEqual([...after.ownedBy(nodeId('d'), 2)]);
    for (const c of changes) {
      expect(c.added).toEqual(['d']);
      expect(c.removed).toEqual(
        before.owners(c.partition, 2).filter((id) => !after.owners(c.partition, 2).includes(id)),
      );
      expect(c.removed).toHaveLength(1);
    }
  });

  it('describe gives every partition its owners, as plain JSON', () => {
    const ms = [
      member('a', 'z1'),
      member('b', 'z2'),
      member('c', 'z1', 'suspect'),
      member('d', 'z2', 'dead'),
    ];
    const ring = new Ring(ms, config);
    const description = JSON.parse(JSON.stringify(ring.describe(2)));
    expect(description.partitions).toBe(Q);
    expect(description.replicas).toBe(2);
    expect(description.members.map((m: { id: string }) => m.id)).toEqual(['a', 'b', 'c']);
    expect(description.owners).toHaveLength(Q);
    for (const p of partitions(Q)) {
      expect(description.owners[p]).toEqual({ partition: p, owners: ring.owners(p, 2) });
    }
  });
});
