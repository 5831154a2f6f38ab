import { describe, expect, it } from 'vitest';
import { values } from '../../../src/versioning/dvvset.js';
import { EMPTY_VV } from '../../../src/versioning/version-vector.js';
import { withSeed } from '../seed.js';
import { KvSimCluster } from './kv-cluster.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const KEY = enc.encode('session');

function cluster(seed: number): KvSimCluster {
  return new KvSimCluster({
    seed,
    kv: { namespaces: { cache: { conflict: 'lww' } } },
  });
}

async function blindPut(c: KvSimCluster, node: string, ns: string, value: string): Promise<void> {
  const r = await c.await(
    c.byName(node).kv.put({ ns, key: KEY, value: enc.encode(value), context: EMPTY_VV }),
  );
  expect(r.kind).toBe('ok');
}

async function read(c: KvSimCluster, node: string, ns: string): Promise<string[] | 'notfound'> {
  const r = await c.await(c.byName(node).kv.get({ ns, key: KEY, r: 'all' }));
  if (r.kind === 'notfound') return 'notfound';
  if (r.kind !== 'ok') throw new Error(`read failed: ${JSON.stringify(r)}`);
  return r.values.map((v) => dec.decode(v));
}

describe('last-writer-wins namespaces (hybrid logical clock)', () => {
  it('blind writes from two nodes: siblings in a default namespace, the later write alone in an LWW one', async () => {
    await withSeed(31, async (seed) => {
      const c = cluster(seed);
      await c.startConverged(5);
      for (const ns of ['default', 'cache']) {
        await blindPut(c, 'n0', ns, 'first');
        await c.sim.run(5);
        await blindPut(c, 'n3', ns, 'second');
      }
      expect((await read(c, 'n1', 'default')) as string[]).toHaveLength(2);
      expect(await read(c, 'n1', 'cache')).toEqual(['second']);
      // A stamped delete wins over the older value, everywhere.
      const del = await c.await(c.byName('n2').kv.delete({ ns: 'cache', key: KEY, context: EMPTY_VV }));
      expect(del.kind).toBe('ok');
      expect(await read(c, 'n4', 'cache')).toBe('notfound');
    });
  }, 60_000);

  it('stored sets stay small under many blind writes: at most one sibling per coordinating replica', async () => {
    await withSeed(32, async (seed) => {
      const c = cluster(seed);
      await c.startConverged(5);
      for (let i = 0; i < 30; i++) await blindPut(c, `n${i % 5}`, 'cache', `v${i}`);
      expect(await read(c, 'n0', 'cache')).toEqual(['v29']);
      const kv = c.byName('n0').kv;
      const partition = kv.placement.partitionOf(KEY);
      for (const owner of kv.placement.primaries(partition, 3)) {
        const res = await c.await(
          c.byName(owner).kv.service.handle({ op: 'get', ns: 'cache', key: KEY, partition }),
        );
        expect(res.kind).toBe('found');
        if (res.kind === 'found') expect(values(res.set).length).toBeLessThanOrEqual(3);
      }
    });
  }, 60_000);

  it('the known hazard: a node whose clock runs 10 s ahead wins over a later write from a correct clock', async () => {
    await withSeed(33, async (seed) => {
      const c = cluster(seed);
      await c.startConverged(5);
      c.sim.setClockSkew('n4:7946', { offsetMs: 10_000 });
      await blindPut(c, 'n4', 'cache', 'from-the-future');
      await c.sim.run(1_000);
      await blindPut(c, 'n0', 'cache', 'later-in-real-time');
      expect(await read(c, 'n1', 'cache')).toEqual(['from-the-future']);
      // Once the real clocks pass the skewed stamp, new writes win again.
      await c.sim.run(10_000);
      await blindPut(c, 'n0', 'cache', 'after-the-skew');
      expect(await read(c, 'n1', 'cache')).toEqual(['after-the-skew']);
    });
  }, 60_000);
});
