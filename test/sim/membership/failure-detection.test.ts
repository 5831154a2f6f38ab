import { describe, expect, it } from 'vitest';
import { lanConfig } from '../../../src/membership/config.js';
import { withSeed } from '../seed.js';
import { disseminationMs, suspicionBoundsMs } from './bounds.js';
import { crashDetection, flappingLink, pauseScenario } from './scenarios.js';

describe('membership: failure detection (simulated)', () => {
  it('3 crashed members of 100 are marked dead by every live node within probe + max suspicion + dissemination, and no live member is', async () => {
    await withSeed(201, async (seed) => {
      const r = await crashDetection(seed, 100, 3);
      const { minMs } = suspicionBoundsMs(r.cluster.config, 100);
      console.log(
        `crash n=100, victims ${r.victims.join(',')}: all dead after ${r.allDeadMs} ms (bound ${r.boundMs}); ` +
          `per (observer, victim) fail ms: ${JSON.stringify(r.detections)}`,
      );
      expect(r.allDeadMs).not.toBeNull();
      expect(r.falseFailures).toBe(0);
      // Every (live observer, victim) pair produced exactly one `fail`; none before the minimum suspicion.
      expect(r.detections?.count).toBe(97 * 3);
      expect(r.detections?.min).toBeGreaterThanOrEqual(minMs);
      expect(r.detections?.max).toBeLessThanOrEqual(r.boundMs);
      for (const m of r.cluster.live()) {
        expect(m.countByState()).toEqual({ alive: 97, suspect: 0, dead: 3, left: 0 });
      }
    });
  });

  it('a member paused for 3 × probeTimeout (shorter than the minimum suspicion) is suspected, refutes with a higher incarnation and is never declared dead', async () => {
    await withSeed(300, async (seed) => {
      const n = 20;
      const pauseMs = 3 * lanConfig().probeTimeoutMs;
      const r = await pauseScenario(seed, n, pauseMs);
      expect(pauseMs).toBeLessThan(suspicionBoundsMs(r.cluster.config, n).minMs);
      console.log(
        `pause ${pauseMs} ms of ${r.paused}: suspected=${r.suspected}, incarnation ${r.incarnationBefore}→${r.incarnationAfter}, ` +
          `fails=${r.fails}, converged ${r.recoveredMs} ms after resume`,
      );
      // The seed is chosen so a probe of the paused member fails; the scenario is about the refutation.
      expect(r.suspected).toBe(true);
      expect(r.incarnationAfter).toBeGreaterThan(r.incarnationBefore);
      expect(r.fails).toBe(0);
      expect(r.recoveredMs).not.toBeNull();
    });
  });

  it('a member paused longer than the maximum suspicion is declared dead everywhere, then refutes its death on waking and is alive everywhere again', async () => {
    await withSeed(303, async (seed) => {
      const n = 20;
      const cfg = lanConfig();
      const { maxMs } = suspicionBoundsMs(cfg, n);
      const pauseMs = maxMs + cfg.probeIntervalMs + disseminationMs(cfg, n);
      const r = await pauseScenario(seed, n, pauseMs);
      console.log(
        `pause ${pauseMs} ms of ${r.paused}: first fail after ${r.firstFailMs} ms, dead everywhere=${r.deadEverywhere}, ` +
          `incarnation ${r.incarnationBefore}→${r.incarnationAfter}, alive everywhere ${r.recoveredMs} ms after resume (bound ${r.recoveryBoundMs})`,
      );
      expect(r.deadEverywhere).toBe(true);
      expect(r.fails).toBe(n - 1);
      expect(r.incarnationAfter).toBeGreaterThan(r.incarnationBefore);
      expect(r.recoveredMs).not.toBeNull();
      for (const m of r.cluster.live()) expect(m.member(r.paused)?.incarnation).toBe(r.incarnationAfter);
    });
  });

  it('a member whose links flap (down 2 probe periods, up 4) is suspected and refutes, is never declared dead, and the cluster reconverges', async () => {
    await withSeed(501, async (seed) => {
      const n = 20;
      const cfg = lanConfig();
      const downMs = 2 * cfg.probeIntervalMs;
      expect(downMs).toBeLessThan(suspicionBoundsMs(cfg, n).minMs);
      const r = await flappingLink(seed, n, downMs, 2 * downMs, 10);
      console.log(
        `flapping ${r.flapper} (${r.cycles}× down ${r.downMs}/up ${r.upMs} ms): suspect samples ${r.suspectedSamples}, ` +
          `refutations raised its incarnation by ${r.incarnationRise}, fails about it ${r.failsAboutFlapper}, ` +
          `fails about healthy others ${r.failsAboutOthers}, reconverged ${r.recoveredMs} ms after the last cycle`,
      );
      expect(r.suspectedSamples).toBeGreaterThan(0);
      expect(r.incarnationRise).toBeGreaterThan(0);
      expect(r.failsAboutFlapper).toBe(0);
      // The flapper's own lone suspicions may expire (its suspect rumors are lost while its links are down, so
      // the accused never hears them) and briefly kill a healthy member; memberlist does the same. Whatever
      // happened, every member is alive at one checksum once the flapping stops.
      expect(r.recoveredMs).not.toBeNull();
    });
  });
});
