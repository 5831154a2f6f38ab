/**
 * Regression: without reconnects to failed members (Serf reconnect_interval), a partition outlasting
 * gossipToTheDeadTimeMs never merged again; membership.ts reconnect() fixes it.
 * Dead members are neither probed (nextProbeTarget/probeTargets skip dead), nor gossiped to once
 * gossipToTheDeadTimeMs has passed (currentGossipTargets), nor picked for push/pull (schedulePushPull picks
 * alive members only), so after the heal no packet crosses the former cut. memberlist behaves the same; Serf
 * repairs it with reconnect attempts (every reconnect_interval = 30 s it joins a random failed member, until
 * reconnect_timeout = 24 h). Replay: HEARSAY_SEED=601, partitionScenario(601, 20, gossipToTheDeadTimeMs + 10 s, …).
 */
import { describe, expect, it } from 'vitest';
import { lanConfig } from '../../../src/membership/config.js';
import { withSeed } from '../seed.js';
import { suspicionBoundsMs } from './bounds.js';
import { partitionScenario } from './scenarios.js';

describe('membership: long partition (simulated)', () => {
  it('a 10/10 partition held past gossipToTheDeadTimeMs still merges back into one view after the heal', async () => {
    await withSeed(601, async (seed) => {
      const n = 20;
      const cfg = lanConfig();
      const holdMs = cfg.gossipToTheDeadTimeMs + 10 * cfg.probeIntervalMs;
      // A reconnect loop at pushPullIntervalMs (Serf: reconnect_interval) would merge within a few periods.
      const healBoundMs = 4 * cfg.pushPullIntervalMs + suspicionBoundsMs(cfg, n).maxMs;
      const r = await partitionScenario(seed, n, holdMs, healBoundMs);
      console.log(`long partition: alive counts after heal ${JSON.stringify(r.aliveCounts)}`);
      expect(r.splitMs).not.toBeNull();
      expect(r.healedMs).not.toBeNull();
    });
  });
});
