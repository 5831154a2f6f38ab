import { describe, expect, it } from 'vitest';
import { withSeed } from '../seed.js';
import { suspicionBoundsMs } from './bounds.js';
import { crashDetection } from './scenarios.js';

describe('membership at 1,000 nodes (simulated)', () => {
  it('1,000 nodes join through 3 seeds to one checksum; 10 then crash and every live node marks all 10 failed, and nobody else', async () => {
    await withSeed(1000, async (seed) => {
      const n = 1000;
      const victims = 10;
      const r = await crashDetection(seed, n, victims);
      console.log(
        `n=${n}: joined in ${(r.joinMs / 1000).toFixed(1)} virtual s; ${victims} crashed, all marked dead after ` +
          `${r.allDeadMs} virtual ms (bound ${r.boundMs}); per (observer, victim) detection ms: ${JSON.stringify(r.detections)}`,
      );
      expect(r.allDeadMs).not.toBeNull();
      expect(r.falseFailures).toBe(0);
      expect(r.detections?.count).toBe((n - victims) * victims);
      expect(r.detections?.min).toBeGreaterThanOrEqual(suspicionBoundsMs(r.cluster.config, n).minMs);
      for (const m of r.cluster.live())
        expect(m.countByState()).toEqual({ alive: n - victims, suspect: 0, dead: victims, left: 0 });
    });
  }, 600_000);
});
