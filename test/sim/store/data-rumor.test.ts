import { describe, expect, it } from 'vitest';
import { EMPTY_VV } from '../../../src/versioning/version-vector.js';
import { liveValues } from '../../../src/versioning/versioned-value.js';
import { withSeed } from '../seed.js';
import { KvSimCluster } from './kv-cluster.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const KEY = enc.encode('rumored');

describe('data rumor mongering', () => {
  it('an owner the coordinator cannot reach gets the write from rumors among the others, without reads, hints or anti-entropy', async () => {
    await withSeed(61, async (seed) => {
      const c = new KvSimCluster({
        seed,
        kv: {
          antiEntropy: { intervalMs: 3_600_000 },
          hints: { intervalMs: 3_600_000 },
          request: { timeoutMs: 500 },
        },
      });
      await c.startConverged(5);
      const kv0 = c.byName('n0').kv;
      const owners: string[] = [...kv0.placement.primaries(kv0.placement.partitionOf(KEY), 3)];
      const [p1, p2, p3] = owners as [string, string, string];
      // The coordinator is p1; only its link to p3 is cut (the others still reach p3, so it stays alive).
      c.sim.partition([`${p1}:7946`], [`${p3}:7946`]);
      const put = await c.await(
        c
          .byName(p1)
          .kv.put({ ns: 'default', key: KEY, value: enc.encode('hello'), context: EMPTY_VV, w: '2' }),
      );
      expect(put.kind).toBe('ok');
      const holds = async (name: string): Promise<boolean> => {
        const kv = c.byName(name).kv;
        const res = await kv.service.handle({
          op: 'get',
          ns: 'default',
          key: KEY,
          partition: kv.placement.partitionOf(KEY),
        });
        return res.kind === 'found' && liveValues(res.set).some((v) => dec.decode(v) === 'hello');
      };
      expect(await holds(p2)).toBe(true);
      let reached = false;
      const t0 = c.sim.now();
      while (!reached && c.sim.now() - t0 < 10_000) {
        await c.sim.run(100);
        reached = await holds(p3);
      }
      console.log(
        `owner ${p3} got the write by rumor ${Math.round(c.sim.now() - t0)} virtual ms after the ack`,
      );
      expect(reached).toBe(true);
      expect(c.byName(p3).kv.hints.count + c.byName(p2).kv.hints.count).toBe(0);
    });
  }, 60_000);
});
