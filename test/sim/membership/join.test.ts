import { describe, expect, it } from 'vitest';
import { withSeed } from '../seed.js';
import { SimCluster } from './sim-cluster.js';

describe('membership: join (simulated)', () => {
  it('5 nodes joining through one seed converge to one view', async () => {
    await withSeed(1, async (seed) => {
      const c = new SimCluster({ seed });
      await c.startAll(5, [SimCluster.addr(0)]);
      const ok = await c.sim.runUntil(() => c.converged(5), 60_000);
      expect(ok).toBe(true);
    });
  });
});
