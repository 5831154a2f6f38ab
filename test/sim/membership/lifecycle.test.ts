import { describe, expect, it } from 'vitest';
import { withSeed } from '../seed.js';
import { detectionBoundMs, disseminationMs, joinBoundMs, suspicionBoundsMs } from './bounds.js';
import { SimCluster } from './sim-cluster.js';

const N = 20;

describe('membership: leave, restart, broadcasts (simulated)', () => {
  it('a member that leaves gracefully is shown `left` by every other node and is never declared dead', async () => {
    await withSeed(701, async (seed) => {
      const c = new SimCluster({ seed, recordEvents: true });
      await c.startConverged(N, SimCluster.addrs(3), joinBoundMs(c.config, N));
      const addr = SimCluster.addr(7);
      const leaveMs = await c.leave(addr, c.config.leaveTimeoutMs);
      const spreadMs = await c.runUntil(() => c.allSee('n7', 'left'), disseminationMs(c.config, N));
      console.log(`leave: leave() took ${leaveMs} ms, everyone shows left after ${spreadMs} ms more`);
      expect(spreadMs).not.toBeNull();
      // Stay around for a whole maximum suspicion: nobody suspects or fails the departed member.
      await c.runObserving(suspicionBoundsMs(c.config, N).maxMs, () => {
        expect(c.allSee('n7', 'left')).toBe(true);
      });
      expect(c.eventsOf(['fail'])).toEqual([]);
      expect(c.eventsOf(['leave'], 'n7').filter((e) => e.at !== addr).length).toBe(N - 1);
      expect(c.converged(N - 1)).toBe(true);
    });
  });

  it('a crashed member restarted under the same name and address rejoins alive everywhere at a higher incarnation', async () => {
    await withSeed(801, async (seed) => {
      const c = new SimCluster({ seed, recordEvents: true });
      const seeds = SimCluster.addrs(3);
      await c.startConverged(N, seeds, joinBoundMs(c.config, N));
      const addr = SimCluster.addr(11);
      c.crash(addr);
      const deadMs = await c.runUntil(() => c.allSee('n11', 'dead'), detectionBoundMs(c.config, N));
      expect(deadMs).not.toBeNull();
      const deadIncarnation = c.node(SimCluster.addr(0)).member('n11')?.incarnation ?? 0;
      const m = await c.start(addr);
      void m.joinWithRetry(seeds);
      const rejoinMs = await c.runUntil(() => c.converged(N), joinBoundMs(c.config, N));
      console.log(
        `restart: dead everywhere after ${deadMs} ms; rejoined after ${rejoinMs} ms, incarnation ${deadIncarnation}→${m.local().incarnation}`,
      );
      expect(rejoinMs).not.toBeNull();
      expect(m.local().incarnation).toBeGreaterThan(deadIncarnation);
      for (const o of c.live())
        expect(o.member('n11')).toMatchObject({ state: 'alive', incarnation: m.local().incarnation });
    });
  });

  it('a user event sent by one member is delivered to each of the 20 members exactly once', async () => {
    await withSeed(1001, async (seed) => {
      const c = new SimCluster({ seed, recordEvents: true });
      await c.startConverged(N, SimCluster.addrs(3), joinBoundMs(c.config, N));
      c.node(SimCluster.addr(5)).sendUserEvent('deploy', new TextEncoder().encode('v2'));
      const delivered = (): string[] => c.events.filter((e) => e.event.kind === 'user').map((e) => e.at);
      const tookMs = await c.runUntil(
        () => new Set(delivered()).size === N,
        disseminationMs(c.config, N),
        10,
      );
      // Keep running past a push/pull period: late copies must be de-duplicated.
      await c.sim.run(c.config.pushPullIntervalMs);
      console.log(`user event: reached all ${N} after ${tookMs} ms`);
      expect(tookMs).not.toBeNull();
      expect(delivered().sort()).toEqual(SimCluster.addrs(N).sort());
    });
  });

  it('metadata set with setMeta reaches every member at the new incarnation, one `update` event each', async () => {
    await withSeed(1101, async (seed) => {
      const c = new SimCluster({ seed, recordEvents: true });
      await c.startConverged(N, SimCluster.addrs(3), joinBoundMs(c.config, N));
      const m = c.node(SimCluster.addr(9));
      const r = m.setMeta({ role: 'storage', rack: 'r2' });
      expect(r.ok).toBe(true);
      const tookMs = await c.runUntil(
        () => c.live().every((o) => o.member('n9')?.meta['role'] === 'storage'),
        disseminationMs(c.config, N),
        10,
      );
      console.log(`setMeta: reached all ${N} after ${tookMs} ms`);
      expect(tookMs).not.toBeNull();
      for (const o of c.live()) {
        expect(o.member('n9')).toMatchObject({
          incarnation: m.local().incarnation,
          meta: { role: 'storage', rack: 'r2' },
        });
      }
      expect(c.eventsOf(['update'], 'n9').filter((e) => e.at !== SimCluster.addr(9)).length).toBe(N - 1);
      expect(c.converged(N)).toBe(true);
    });
  });
});
