import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compare, type Hlc, hlcZero, now, update, withinOffset } from '../../../src/versioning/hlc.js';
import { replicaId } from '../../../src/versioning/replica-id.js';

const node = fc.constantFrom('n1', 'n2', 'n3').map(replicaId);
const physicalMs = fc.integer({ min: 0, max: 10_000 });
const remote: fc.Arbitrary<Hlc> = fc.record({ wallMs: physicalMs, logical: fc.nat(20), node });
const event = fc.oneof(
  fc.record({ kind: fc.constant('local' as const), pt: physicalMs }),
  fc.record({ kind: fc.constant('receive' as const), pt: physicalMs, remote }),
);

describe('hybrid logical clock', () => {
  it('is strictly monotonic whatever the physical clock does, even going backwards', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 100 }), (events) => {
        let clock = hlcZero(replicaId('n0'));
        for (const e of events) {
          const next = e.kind === 'local' ? now(clock, e.pt) : update(clock, e.remote, e.pt);
          expect(compare(next, clock)).toBe(1);
          expect(next.wallMs).toBeGreaterThanOrEqual(e.pt);
          clock = next;
        }
      }),
    );
  });

  it('a received timestamp is strictly before the receiver’s next one', () => {
    fc.assert(
      fc.property(remote, remote, physicalMs, (local, r, pt) => {
        const next = update(local, r, pt);
        expect(next.wallMs > r.wallMs || (next.wallMs === r.wallMs && next.logical > r.logical)).toBe(true);
        expect(next.node).toBe(local.node);
      }),
    );
  });

  it('tracks physical time: with a steady clock the logical part resets', () => {
    const c1 = now(hlcZero(replicaId('n1')), 100);
    const c2 = now(c1, 100);
    const c3 = now(c2, 101);
    expect([c1, c2, c3].map((c) => [c.wallMs, c.logical])).toEqual([
      [100, 0],
      [100, 1],
      [101, 0],
    ]);
  });

  it('orders totally, breaking ties by node', () => {
    const a = { wallMs: 5, logical: 1, node: replicaId('a') };
    const b = { ...a, node: replicaId('b') };
    expect(compare(a, b)).toBe(-1);
    expect(compare(b, a)).toBe(1);
    expect(compare(a, a)).toBe(0);
  });

  it('flags remote timestamps too far ahead of local physical time', () => {
    const r = { wallMs: 10_000, logical: 0, node: replicaId('n2') };
    expect(withinOffset(r, 9_500, 500)).toBe(true);
    expect(withinOffset(r, 9_000, 500)).toBe(false);
  });
});
