import { describe, expect, it } from 'vitest';
import { withSeed } from '../seed.js';
import { joinBoundMs, suspicionBoundsMs } from './bounds.js';
import { SimCluster } from './sim-cluster.js';

/** 20 nodes join, one crashes, and the rest run a maximum suspicion: the trace hash of the whole run. */
async function shortRun(seed: number): Promise<string> {
  const c = new SimCluster({ seed });
  await c.startConverged(20, SimCluster.addrs(3), joinBoundMs(c.config, 20));
  c.crash(SimCluster.addr(4));
  await c.sim.run(suspicionBoundsMs(c.config, 20).maxMs);
  return c.sim.traceHash();
}

describe('membership: determinism (simulated)', () => {
  it('the same seed replays the same 20-node run bit for bit, and another seed gives another run', async () => {
    await withSeed(901, async (seed) => {
      const a = await shortRun(seed);
      const b = await shortRun(seed);
      const other = await shortRun(seed + 1);
      expect(b).toBe(a);
      expect(other).not.toBe(a);
    });
  });
});
