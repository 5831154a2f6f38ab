import { describe, expect, it } from 'vitest';
import { withSeed } from '../seed.js';
import { joinBoundMs } from './bounds.js';
import { joinConvergence } from './scenarios.js';
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

  it('100 nodes joining through 3 seeds reach one checksum with every member alive, within a push/pull period plus one dissemination', async () => {
    await withSeed(101, async (seed) => {
      const r = await joinConvergence(seed, 100);
      const bound = joinBoundMs(r.cluster.config, 100);
      console.log(`join n=100 via 3 seeds: converged after ${r.convergedMs} virtual ms (bound ${bound})`);
      expect(r.convergedMs).toBeLessThanOrEqual(bound);
      const sums = new Set(r.cluster.live().map((m) => m.checksum()));
      expect(sums.size).toBe(1);
      for (const m of r.cluster.live())
        expect(m.countByState()).toEqual({ alive: 100, suspect: 0, dead: 0, left: 0 });
      expect(r.cluster.eventsOf(['fail', 'leave'])).toEqual([]);
    });
  });
});
