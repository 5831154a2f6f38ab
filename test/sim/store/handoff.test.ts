import { describe, expect, it } from 'vitest';
import { EMPTY_VV } from '../../../src/versioning/version-vector.js';
import { liveValues } from '../../../src/versioning/versioned-value.js';
import { withSeed } from '../seed.js';
import type { KvSimCluster as Cluster } from './kv-cluster.js';
import { KvSimCluster } from './kv-cluster.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const KEYS = Array.from({ length: 60 }, (_, i) => `key-${i}`);

/** Where each key's value is stored, per node (replica data only, not hints). */
async function holders(c: Cluster, key: string): Promise<string[]> {
  const k = enc.encode(key);
  const out: string[] = [];
  for (const node of c.live()) {
    const partition = node.kv.placement.partitionOf(k);
    const res = await c.await(node.kv.service.handle({ op: 'get', ns: 'default', key: k, partition }));
    if (res.kind === 'found' && liveValues(res.set).some((v) => dec.decode(v) === `v-${key}`))
      out.push(node.name);
  }
  return out.sort();
}

function primariesOf(c: Cluster, key: string): string[] {
  const kv = c.live()[0]?.kv;
  if (kv === undefined) throw new Error('no live node');
  const k = enc.encode(key);
  return [...kv.placement.primaries(kv.placement.partitionOf(k), 3)].sort();
}

/** Keys whose value is not on exactly their primaries. */
async function misplaced(c: Cluster): Promise<string[]> {
  const out: string[] = [];
  for (const key of KEYS) {
    const want = primariesOf(c, key);
    const got = await holders(c, key);
    if (JSON.stringify(got) !== JSON.stringify(want)) out.push(`${key}: on ${got} want ${want}`);
  }
  return out;
}

describe('ownership handoff', () => {
  it('a joining node receives the keys it now owns and the old owners delete theirs; a leaving node drains first', async () => {
    await withSeed(21, async (seed) => {
      const c = new KvSimCluster({ seed, kv: { handoff: { intervalMs: 2_000 } } });
      await c.startConverged(4);
      const coordinator = c.byName('n0').kv;
      for (const key of KEYS) {
        const put = await c.await(
          coordinator.put({
            ns: 'default',
            key: enc.encode(key),
            value: enc.encode(`v-${key}`),
            context: EMPTY_VV,
            w: 'all',
          }),
        );
        expect(put.kind).toBe('ok');
      }
      expect(await misplaced(c)).toEqual([]);

      // n4 joins: it becomes a primary of some partitions; their previous third owner hands them over.
      await c.start(KvSimCluster.addr(4), [KvSimCluster.addr(0)]);
      expect(
        await c.runUntil(() => c.live().every((n) => n.membership.countByState().alive === 5), 90_000),
      ).toBe(true);
      const onN4 = KEYS.filter((k) => primariesOf(c, k).includes('n4'));
      expect(onN4.length).toBeGreaterThan(0);
      // The handoff timers run by themselves (every 2 s here).
      await c.sim.run(10_000);
      expect(await misplaced(c)).toEqual([]);
      for (const key of KEYS) {
        const got = await c.await(c.byName('n4').kv.get({ ns: 'default', key: enc.encode(key), r: 'all' }));
        expect(got.kind === 'ok' && got.values.map((v) => dec.decode(v))).toEqual([`v-${key}`]);
      }

      // n2 leaves gracefully: it announces the leave, then drains to the owners without it (as src/node.ts).
      const n2 = c.byName('n2');
      n2.kv.stop();
      await c.await(n2.membership.leave());
      expect(
        await c.runUntil(
          () => c.live().every((n) => n.name === 'n2' || n.membership.member('n2')?.state === 'left'),
          30_000,
        ),
      ).toBe(true);
      const drained = await c.await(n2.kv.drain());
      expect(drained.kept).toBe(0);
      expect(drained.moved).toBeGreaterThan(0);
      c.crash(KvSimCluster.addr(2));
      expect(await misplaced(c)).toEqual([]);
    });
  }, 120_000);
});
