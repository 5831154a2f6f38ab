import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PartitionId } from '../../../src/ring/partition.js';
import { rendezvousWeight, weightsFor } from '../../../src/ring/rendezvous.js';

describe('rendezvous weights', () => {
  it('are pinned: every process computes the same weight for (partition, member)', () => {
    // Computed once and pinned, like the partition vectors: owners must agree across nodes and releases.
    expect(rendezvousWeight(0 as PartitionId, 'node-a')).toBe(480781259548100);
    expect(rendezvousWeight(7 as PartitionId, 'node-a')).toBe(4017599668353886);
    expect(rendezvousWeight(7 as PartitionId, 'node-b')).toBe(3043469033765464);
  });

  it('are safe integers, and weightsFor agrees with rendezvousWeight', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.integer({ min: 1, max: 64 }), (id, q) => {
        const all = weightsFor(id, q);
        for (let p = 0; p < q; p++) {
          const w = rendezvousWeight(p as PartitionId, id);
          expect(Number.isSafeInteger(w)).toBe(true);
          expect(all[p]).toBe(w);
        }
      }),
    );
  });

  it('make each of 10 members the top choice for about 1/10 of partitions', () => {
    const ids = Array.from({ length: 10 }, (_, i) => `node-${i}`);
    const q = 4096;
    const wins = new Map<string, number>(ids.map((id) => [id, 0]));
    const weights = ids.map((id) => weightsFor(id, q));
    for (let p = 0; p < q; p++) {
      let best = 0;
      for (let i = 1; i < ids.length; i++) {
        if ((weights[i]?.[p] ?? 0) > (weights[best]?.[p] ?? 0)) best = i;
      }
      const id = ids[best] as string;
      wins.set(id, (wins.get(id) ?? 0) + 1);
    }
    // Expected 409.6 each, binomial σ ≈ 19.2; ±25 % is over 5σ.
    for (const count of wins.values()) {
      expect(count).toBeGreaterThan(q / 10 - 0.25 * (q / 10));
      expect(count).toBeLessThan(q / 10 + 0.25 * (q / 10));
    }
  });
});
