import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MemberState, NodeId } from '../../../src/membership/member.js';
import type { Member } from '../../../src/membership/member-events.js';
import type { RingConfig } from '../../../src/ring/config.js';
import type { PartitionId } from '../../../src/ring/partition.js';
import { Placement } from '../../../src/ring/placement.js';

const CONFIG: RingConfig = { partitions: 64 };
const N = 3;
const PARTITIONS = Array.from({ length: CONFIG.partitions }, (_, p) => p as PartitionId);

const id = (s: string): NodeId => s as NodeId;

function member(name: string, state: MemberState = 'alive', zone = ''): Member {
  return {
    id: id(name),
    addr: `10.0.0.${name.charCodeAt(0)}:7946`,
    zone,
    meta: {},
    incarnation: 1,
    state,
  };
}

const NAMES = ['a', 'b', 'c', 'd', 'e', 'f'];
const view = (states: Partial<Record<string, MemberState>> = {}, names = NAMES): Member[] =>
  names.map((n) => member(n, states[n] ?? 'alive'));

function primariesOf(p: Placement): (readonly NodeId[])[] {
  return PARTITIONS.map((q) => p.primaries(q, N));
}

type Change = { readonly added?: Member; readonly removed?: NodeId };

function placement(): { p: Placement; changes: Change[] } {
  const changes: Change[] = [];
  return { p: new Placement(CONFIG, (c) => changes.push(c)), changes };
}

/** Everything `targets` promises, for one partition. */
function checkTargets(p: Placement, partition: PartitionId, sloppy: boolean): void {
  const primaries = p.primaries(partition, N);
  const ts = p.targets(partition, N, sloppy);
  const upPrimaries = primaries.filter((x) => p.isUp(x));
  const downPrimaries = primaries.filter((x) => !p.isUp(x));
  // Primaries come first, in preference order, and only the up ones.
  expect(ts.filter((t) => t.hintFor === undefined).map((t) => t.node)).toEqual(upPrimaries);
  const fallbacks = ts.filter((t) => t.hintFor !== undefined);
  if (!sloppy) {
    expect(fallbacks).toEqual([]);
    return;
  }
  for (const f of fallbacks) {
    expect(p.isUp(f.node)).toBe(true);
    expect(primaries).not.toContain(f.node);
    expect(downPrimaries).toContain(f.hintFor);
  }
  expect(new Set(fallbacks.map((f) => f.hintFor)).size).toBe(fallbacks.length);
  expect(new Set(ts.map((t) => t.node)).size).toBe(ts.length);
  // One fallback per down primary, as far as there are up non-primaries to stand in.
  const spare = p
    .ring()
    .members()
    .filter((m) => p.isUp(m.id) && !primaries.includes(m.id)).length;
  expect(fallbacks.length).toBe(Math.min(downPrimaries.length, spare));
}

describe('Placement: failures keep ownership', () => {
  it('a member going from alive to dead stays an owner, but targets skip it', () => {
    const { p } = placement();
    p.observe(view());
    const before = primariesOf(p);
    p.observe(view({ c: 'dead' }));
    expect(primariesOf(p)).toEqual(before);
    expect(p.isUp(id('c'))).toBe(false);
    expect(p.stateOf(id('c'))).toBe('dead');
    let withC = 0;
    for (const q of PARTITIONS) {
      const ts = p.targets(q, N, false);
      expect(ts.map((t) => t.node)).not.toContain('c');
      expect(ts).toEqual(before[q]!.filter((x) => x !== 'c').map((node) => ({ node })));
      if (before[q]!.includes(id('c'))) withC++;
    }
    expect(withC).toBeGreaterThan(0);
  });

  it('sloppy targets add exactly one up, non-primary fallback per down primary, hinting it', () => {
    const { p } = placement();
    p.observe(view({ b: 'dead', d: 'dead' }));
    let sawTwoDown = false;
    for (const q of PARTITIONS) {
      const primaries = p.primaries(q, N);
      const down = primaries.filter((x) => x === 'b' || x === 'd');
      const ts = p.targets(q, N, true);
      const fallbacks = ts.filter((t) => t.hintFor !== undefined);
      expect(fallbacks.map((f) => f.hintFor).sort()).toEqual([...down].sort());
      for (const f of fallbacks) {
        expect(['b', 'd']).not.toContain(f.node);
        expect(primaries).not.toContain(f.node);
      }
      expect(ts.length).toBe(N);
      if (down.length === 2) sawTwoDown = true;
      checkTargets(p, q, true);
    }
    expect(sawTwoDown).toBe(true);
  });

  it('suspect members are up: they are targeted as primaries, never hinted for', () => {
    const { p } = placement();
    p.observe(view({ a: 'suspect' }));
    expect(p.isUp(id('a'))).toBe(true);
    for (const q of PARTITIONS) {
      expect(p.targets(q, N, true)).toEqual(p.primaries(q, N).map((node) => ({ node })));
    }
  });

  it('property: for any mix of states, targets are the up primaries plus hinted fallbacks', () => {
    const states = fc.array(fc.constantFrom<MemberState>('alive', 'alive', 'suspect', 'dead'), {
      minLength: NAMES.length,
      maxLength: NAMES.length,
    });
    fc.assert(
      fc.property(states, states, fc.boolean(), (first, second, sloppy) => {
        const { p } = placement();
        const all = Object.fromEntries(NAMES.map((n) => [n, 'alive' as MemberState]));
        p.observe(view(all));
        const owners = primariesOf(p);
        p.observe(view(Object.fromEntries(NAMES.map((n, i) => [n, first[i]!]))));
        p.observe(view(Object.fromEntries(NAMES.map((n, i) => [n, second[i]!]))));
        // No join or leave happened: ownership is what the full view gave, whatever failed meanwhile.
        expect(primariesOf(p)).toEqual(owners);
        for (const [i, n] of NAMES.entries()) {
          expect(p.isUp(id(n))).toBe(second[i] !== 'dead');
          expect(p.stateOf(id(n))).toBe(second[i]);
        }
        for (const q of PARTITIONS) checkTargets(p, q, sloppy);
      }),
      { numRuns: 60 },
    );
  });

  it('with every non-primary down there is no fallback to stand in', () => {
    const { p } = placement();
    p.observe(view({}, ['a', 'b', 'c']));
    p.observe(view({ a: 'dead' }, ['a', 'b', 'c']));
    for (const q of PARTITIONS) {
      const ts = p.targets(q, N, true);
      expect(ts.every((t) => t.hintFor === undefined)).toBe(true);
      expect(ts.map((t) => t.node).sort()).toEqual(['b', 'c']);
    }
  });
});

describe('Placement: explicit changes move ownership', () => {
  it('reports every new owner to the persist callback once, and again when its address or zone changes', () => {
    const { p, changes } = placement();
    p.observe(view());
    expect(changes.map((c) => c.added?.id)).toEqual(NAMES);
    p.observe(view({ c: 'dead' }));
    expect(changes.length).toBe(NAMES.length);
    p.observe([...view().filter((m) => m.id !== 'e'), { ...member('e'), addr: '10.9.9.9:7946' }]);
    expect(changes.slice(NAMES.length)).toEqual([{ added: { ...member('e'), addr: '10.9.9.9:7946' } }]);
  });

  it('a graceful leave removes the owner, moves its partitions and reports {removed}', () => {
    const { p, changes } = placement();
    p.observe(view());
    const before = primariesOf(p);
    changes.length = 0;
    p.observe(view({ c: 'left' }));
    expect(changes).toEqual([{ removed: 'c' }]);
    expect(p.stateOf(id('c'))).toBeUndefined();
    expect(p.isUp(id('c'))).toBe(false);
    const after = primariesOf(p);
    const reference = new Placement(CONFIG);
    reference.observe(
      view(
        {},
        NAMES.filter((n) => n !== 'c'),
      ),
    );
    expect(after).toEqual(primariesOf(reference));
    let moved = 0;
    for (const q of PARTITIONS) {
      expect(after[q]).not.toContain('c');
      if (before[q]!.includes(id('c'))) {
        moved++;
        expect(after[q]).not.toEqual(before[q]);
        // Only c's place changes: the other owners stay.
        for (const x of before[q]!) if (x !== 'c') expect(after[q]).toContain(x);
      } else {
        expect(after[q]).toEqual(before[q]);
      }
    }
    expect(moved).toBeGreaterThan(0);
    // A second `left` for a member already gone reports nothing.
    p.observe(view({ c: 'left' }));
    expect(changes).toEqual([{ removed: 'c' }]);
  });
});

describe('Placement: ringWithout', () => {
  it('places keys as if the member had left, without changing the placement itself', () => {
    const { p, changes } = placement();
    p.observe(view({ b: 'dead' }));
    const before = primariesOf(p);
    changes.length = 0;
    const without = p.ringWithout(id('c'));
    const reference = new Placement(CONFIG);
    reference.observe(
      view(
        {},
        NAMES.filter((n) => n !== 'c'),
      ),
    );
    expect(PARTITIONS.map((q) => without.owners(q, N))).toEqual(primariesOf(reference));
    expect(primariesOf(p)).toEqual(before);
    expect(p.stateOf(id('c'))).toBe('alive');
    expect(changes).toEqual([]);
  });
});

describe('Placement: restart and reaping', () => {
  it('restored owners place keys like the full view, and count as down until observed alive', () => {
    const full = new Placement(CONFIG);
    full.observe(view());
    const { p: fresh, changes } = placement();
    fresh.restore(view());
    expect(changes).toEqual([]);
    expect(primariesOf(fresh)).toEqual(primariesOf(full));
    for (const n of NAMES) {
      expect(fresh.isUp(id(n))).toBe(false);
      expect(fresh.stateOf(id(n))).toBe('dead');
    }
    for (const q of PARTITIONS) {
      expect(fresh.targets(q, N, false)).toEqual([]);
      expect(fresh.targets(q, N, true)).toEqual([]);
    }
    // The new view fills in: a and b seen alive so far; the others are still owners, still down.
    fresh.observe(view({}, ['a', 'b']));
    expect(primariesOf(fresh)).toEqual(primariesOf(full));
    expect(fresh.isUp(id('a'))).toBe(true);
    expect(fresh.isUp(id('c'))).toBe(false);
    expect(fresh.stateOf(id('c'))).toBe('dead');
    for (const q of PARTITIONS) {
      expect(fresh.targets(q, N, false).map((t) => t.node)).toEqual(
        full.primaries(q, N).filter((x) => x === 'a' || x === 'b'),
      );
    }
    fresh.observe(view());
    expect(primariesOf(fresh)).toEqual(primariesOf(full));
    for (const q of PARTITIONS) expect(fresh.targets(q, N, true)).toEqual(full.targets(q, N, true));
  });

  it('restore does not override what membership already said about a member', () => {
    const full = new Placement(CONFIG);
    full.observe(view());
    const p = new Placement(CONFIG);
    p.observe(view({}, ['a', 'b']));
    p.restore(view());
    expect(p.stateOf(id('a'))).toBe('alive');
    expect(p.isUp(id('a'))).toBe(true);
    expect(p.stateOf(id('d'))).toBe('dead');
    expect(primariesOf(p)).toEqual(primariesOf(full));
  });

  it('a member missing from a later view (reaped) stays an owner and reads as dead', () => {
    const { p } = placement();
    p.observe(view());
    const before = primariesOf(p);
    p.observe(view({ e: 'dead' }));
    p.observe(
      view(
        {},
        NAMES.filter((n) => n !== 'e'),
      ),
    );
    expect(primariesOf(p)).toEqual(before);
    expect(p.stateOf(id('e'))).toBe('dead');
    expect(p.isUp(id('e'))).toBe(false);
    // Reaped straight from alive (never seen dead) is shown as dead too.
    p.observe(
      view(
        {},
        NAMES.filter((n) => n !== 'e' && n !== 'a'),
      ),
    );
    expect(p.stateOf(id('a'))).toBe('dead');
    expect(primariesOf(p)).toEqual(before);
    for (const q of PARTITIONS) checkTargets(p, q, true);
  });

  it('describe shows each owner with its real membership state', () => {
    const { p } = placement();
    p.observe(view({ b: 'suspect', c: 'dead' }));
    p.observe(
      view(
        { b: 'suspect', c: 'dead' },
        NAMES.filter((n) => n !== 'd'),
      ),
    );
    const d = p.describe(N);
    expect(d.partitions).toBe(CONFIG.partitions);
    expect(d.replicas).toBe(N);
    expect(Object.fromEntries(d.members.map((m) => [m.id, m.state]))).toEqual({
      a: 'alive',
      b: 'suspect',
      c: 'dead',
      d: 'dead',
      e: 'alive',
      f: 'alive',
    });
    expect(d.owners.map((o) => o.owners)).toEqual(primariesOf(p));
    expect(d.members.reduce((s, m) => s + m.primaries, 0)).toBe(CONFIG.partitions * N);
  });

  it('places keys on the ring over owners and reports the partition count', () => {
    const { p } = placement();
    p.observe(view());
    expect(p.partitions).toBe(64);
    const key = new TextEncoder().encode('some-key');
    expect(p.partitionOf(key)).toBe(p.ring().partitionOf(key));
    expect(p.partitionOf(key)).toBeLessThan(64);
  });
});
