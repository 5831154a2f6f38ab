import { describe, expect, it } from 'vitest';
import { GLOBAL_NAMESPACE } from '../../../src/replica/global-namespace.js';
import { EMPTY_VV } from '../../../src/versioning/version-vector.js';
import { withSeed } from '../seed.js';
import { KvSimCluster } from './kv-cluster.js';

const enc = new TextEncoder();
const SETTINGS = enc.encode('ns/bank');

describe('global namespace (n = all): rumor mongering + anti-entropy', () => {
  it('a setting written on one node reaches most of 12 nodes by rumors within a second, all of them within two exchange intervals, and takes effect everywhere', async () => {
    await withSeed(51, async (seed) => {
      const c = new KvSimCluster({ seed, kv: { antiEntropy: { intervalMs: 5_000 } } });
      await c.startConverged(12);
      const put = await c.await(
        c.byName('n0').kv.put({
          ns: GLOBAL_NAMESPACE,
          key: SETTINGS,
          value: enc.encode('{"strict":true}'),
          context: EMPTY_VV,
        }),
      );
      expect(put.kind).toBe('ok');
      const holders = (): number => c.live().filter((n) => n.kv.global.get(SETTINGS) !== undefined).length;
      // Rumors (k = 3, 200 ms rounds) leave a residue of a few percent of nodes (bench rumor); most have it fast.
      await c.sim.run(1_000);
      const byRumor = holders();
      expect(byRumor).toBeGreaterThanOrEqual(9);
      // Anti-entropy with a random member each sweep picks up the rest.
      const reached = await c.runUntil(() => holders() === 12, 2 * 5_000 * 1.1 + 2_000, 50);
      console.log(`global setting: ${byRumor}/12 nodes after 1 s of rumors; all 12: ${reached}`);
      expect(reached).toBe(true);
      for (const n of c.live()) expect(n.kv.namespaceSettings('bank').strict).toBe(true);
      // Strict: with two of a key's three primaries down the write is refused, not sent to fallbacks.
      const key = enc.encode('account-1');
      const kv = c.byName('n0').kv;
      const primaries = kv.placement.primaries(kv.placement.partitionOf(key), 3);
      const coordinator = c.live().find((n) => !primaries.includes(n.membership.local().id));
      for (const p of primaries.slice(1)) c.crash(`${p}:7946`);
      await c.runUntil(
        () => primaries.slice(1).every((p) => coordinator?.membership.member(p)?.state === 'dead'),
        60_000,
      );
      const refused = await c.await(
        (coordinator ?? c.byName('n0')).kv.put({
          ns: 'bank',
          key,
          value: enc.encode('100'),
          context: EMPTY_VV,
        }),
      );
      expect(refused).toMatchObject({ kind: 'unavailable', mayHaveApplied: false });
    });
  }, 120_000);

  it('a node cut off while the rumor spread gets the setting from anti-entropy after the partition heals', async () => {
    await withSeed(52, async (seed) => {
      const c = new KvSimCluster({ seed, kv: { antiEntropy: { intervalMs: 4_000 } } });
      await c.startConverged(5);
      c.sim.isolate('n4:7946');
      const put = await c.await(
        c.byName('n1').kv.put({
          ns: GLOBAL_NAMESPACE,
          key: SETTINGS,
          value: enc.encode('{"w":"all"}'),
          context: EMPTY_VV,
        }),
      );
      expect(put.kind).toBe('ok');
      await c.sim.run(6_000); // rumors die out (k = 3) long before this
      expect(c.byName('n4').kv.global.get(SETTINGS)).toBeUndefined();
      c.sim.heal();
      const healedAt = c.sim.now();
      const got = await c.runUntil(
        () => c.byName('n4').kv.global.get(SETTINGS) !== undefined,
        3 * 4_000 + 30_000,
        100,
      );
      expect(got).toBe(true);
      console.log(
        `cut-off node had the setting ${Math.round(c.sim.now() - healedAt)} virtual ms after the heal`,
      );
      expect(c.byName('n4').kv.namespaceSettings('bank').w).toBe('all');
    });
  }, 120_000);

  it('invalid settings are refused with a clear error and nothing is stored', async () => {
    await withSeed(53, async (seed) => {
      const c = new KvSimCluster({ seed });
      await c.startConverged(3);
      const kv = c.byName('n0').kv;
      for (const [value, message] of [
        ['{"strict":true,"r":"one","w":"one"}', /W \+ R > N/],
        ['{"n":0}', /n must be/],
        ['{"colour":"blue"}', /unknown namespace settings colour/],
        ['not json', /JSON object/],
      ] as const) {
        const r = await c.await(
          kv.put({ ns: GLOBAL_NAMESPACE, key: SETTINGS, value: enc.encode(value), context: EMPTY_VV }),
        );
        expect(r.kind).toBe('invalid');
        if (r.kind === 'invalid') expect(r.error).toMatch(message);
      }
      expect(kv.global.get(SETTINGS)).toBeUndefined();
    });
  }, 60_000);
});
