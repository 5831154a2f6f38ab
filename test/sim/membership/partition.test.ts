import { describe, expect, it } from 'vitest';
import { lanConfig } from '../../../src/membership/config.js';
import { withSeed } from '../seed.js';
import { suspicionBoundsMs } from './bounds.js';
import { partitionScenario } from './scenarios.js';

describe('membership: partition (simulated)', () => {
  it('a 10/10 partition of 20 nodes makes each half declare the other dead; healed while the dead are still gossiped to, all rejoin at one checksum', async () => {
    await withSeed(601, async (seed) => {
      const n = 20;
      const cfg = lanConfig();
      // Healed at once after the split, the dead are still inside gossipToTheDeadTimeMs: queued rumors cross the
      // healed cut, a `dead` about a member reaches it and it refutes, its alive makes the other half probe and
      // push/pull with it again, and each periodic push/pull round merges more of the two views. A few push/pull
      // periods plus one suspicion (the merge turns a remote `dead` into a suspicion first) bound it.
      const healBoundMs = 4 * cfg.pushPullIntervalMs + suspicionBoundsMs(cfg, n).maxMs;
      const r = await partitionScenario(seed, n, 0, healBoundMs);
      console.log(
        `partition 10/10: split complete after ${r.splitMs} ms; healed → converged after ${r.healedMs} ms (bound ${healBoundMs})`,
      );
      expect(r.splitMs).not.toBeNull();
      expect(r.healedMs).not.toBeNull();
      for (const m of r.cluster.live())
        expect(m.countByState()).toEqual({ alive: n, suspect: 0, dead: 0, left: 0 });
    });
  });
});
