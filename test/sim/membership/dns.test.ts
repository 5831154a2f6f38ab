import { describe, expect, it } from 'vitest';
import { lanConfig } from '../../../src/membership/config.js';
import type { Membership } from '../../../src/membership/membership.js';
import { assembleNode } from '../../../src/node/assemble.js';
import { SimNetwork } from '../../../src/sim/index.js';
import { simEnv } from '../helpers.js';
import { withSeed } from '../seed.js';

describe('membership: joining through a DNS name (simulated)', () => {
  it('resolves the seed name at every attempt and retries with backoff until a seed answers', async () => {
    await withSeed(21, async (seed) => {
      const sim = new SimNetwork({ seed });
      // Membership-only nodes through the node assembly; the joiner's DNS is the env's `resolve`.
      const start = async (
        i: number,
        resolve?: (host: string) => Promise<readonly string[]>,
      ): Promise<Membership> => {
        const simNode = sim.addNode(`n${i}:7946`);
        const node = await assembleNode(
          simEnv(simNode, {
            ...(resolve ? { resolve } : {}),
          }),
          { name: `n${i}`, cluster: 'sim', membership: lanConfig(), store: false },
        );
        node.start();
        return node.membership;
      };
      const lookups: { atMs: number; host: string }[] = [];
      // The name first resolves to nothing (the seeds are not up yet), then to the two seed hosts.
      const resolve = async (host: string): Promise<readonly string[]> => {
        lookups.push({ atMs: sim.now(), host });
        return sim.now() < 2_500 ? [] : ['n0', 'n1'];
      };
      const joiner = await start(2, resolve);
      let result: { contacted: number } | undefined;
      void joiner.joinWithRetry(['seeds.hearsay.local:7946']).then((r) => {
        result = r;
      });
      await sim.run(1_000);
      const seedA = await start(0);
      const seedB = await start(1);
      await sim.runUntil(() => result !== undefined, 60_000);
      expect(result?.contacted).toBe(2);
      expect(lookups.every((l) => l.host === 'seeds.hearsay.local')).toBe(true);
      // Backoff: attempts at 0, 1 s, 1 + 2 = 3 s (joinRetryIntervalMs doubling).
      expect(lookups.map((l) => Math.round(l.atMs / 1000))).toEqual([0, 1, 3]);
      await sim.runUntil(() => [joiner, seedA, seedB].every((m) => m.countByState().alive === 3), 30_000);
      for (const m of [joiner, seedA, seedB]) expect(m.countByState().alive).toBe(3);
    });
  });
});
