import { describe, expect, it } from 'vitest';
import { nodeId } from '../../../src/membership/member.js';
import type { Member } from '../../../src/membership/member-events.js';
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

  it('a cluster started warm (knownMembers) is converged at once without events, and nodes joining it converge', async () => {
    await withSeed(111, async (seed) => {
      const c = new SimCluster({ seed, recordEvents: true });
      const warm = SimCluster.addrs(30);
      const known: Member[] = warm.map((a) => ({
        id: nodeId(SimCluster.nameOf(a)),
        addr: a,
        zone: '',
        meta: {},
        incarnation: 1,
        state: 'alive',
      }));
      for (const a of warm) await c.start(a, c.config, { knownMembers: known });
      expect(c.converged(30)).toBe(true);
      expect(c.node(warm[0] as string).queuedBroadcasts()).toBe(1); // only its own alive, as at any start
      const joiners = [30, 31, 32].map(SimCluster.addr);
      for (const a of joiners)
        void (await c.start(a)).joinWithRetry([SimCluster.addr(0), SimCluster.addr(1)]);
      const took = await c.runUntil(() => c.converged(33), 60_000);
      console.log(`warm 30 + 3 joining: converged after ${took} virtual ms`);
      expect(took).not.toBeNull();
      for (const a of warm) {
        const joins = c.events.filter((e) => e.at === a && e.event.kind === 'join');
        expect(joins.map((e) => ('member' in e.event ? e.event.member.id : '')).sort()).toEqual([
          'n30',
          'n31',
          'n32',
        ]);
      }
      expect(c.eventsOf(['fail', 'leave'])).toEqual([]);
    });
  });
});
