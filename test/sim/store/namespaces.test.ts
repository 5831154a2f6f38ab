import { describe, expect, it } from 'vitest';
import { EMPTY_VV } from '../../../src/versioning/version-vector.js';
import { withSeed } from '../seed.js';
import { KvSimCluster, storedDirect } from './kv-cluster.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

describe('namespaces cost what they hold; deletes delete (issue #12)', () => {
  it('200 namespaces of one key each: each node keeps one tree per partition holding data, not 256 per namespace', async () => {
    await withSeed(61, async (seed) => {
      const c = new KvSimCluster({ seed });
      await c.startConverged(3);
      const a = c.byName('n0').kv;
      for (let i = 0; i < 200; i++) {
        const put = await c.await(
          a.put({ ns: `junk${i}`, key: enc.encode('k'), value: enc.encode('x'), context: EMPTY_VV }),
        );
        expect(put.kind).toBe('ok');
      }
      await c.runUntil(() => false, 5_000);
      for (const node of c.live()) await c.await(node.kv.antiEntropy.sweep(), 600_000);
      for (const node of c.live()) {
        const report = node.kv.antiEntropy.convergence();
        // N = 3 on 3 nodes: every node holds every key; the global namespace adds at most one partition.
        expect(report.owned).toBeLessThanOrEqual(201);
        expect(report.owned).toBeGreaterThanOrEqual(200);
        expect(node.kv.trees.built).toBeLessThanOrEqual(201);
        expect(report.inSync).toBe(report.owned);
      }
    });
  }, 120_000);

  it('a delete without a context reads first: 204 and gone everywhere, 404 when nothing was there', async () => {
    await withSeed(62, async (seed) => {
      const c = new KvSimCluster({ seed });
      await c.startConverged(3);
      const [a, b, z] = [c.byName('n0').kv, c.byName('n1').kv, c.byName('n2').kv];
      const key = enc.encode('blinddel');
      expect(
        (await c.await(a.put({ ns: 'default', key, value: enc.encode('keep'), context: EMPTY_VV }))).kind,
      ).toBe('ok');
      // Two siblings (two blind writes): the blind delete covers both, as it tombstones what it read.
      expect(
        (await c.await(z.put({ ns: 'default', key, value: enc.encode('also'), context: EMPTY_VV }))).kind,
      ).toBe('ok');
      const del = await c.await(b.delete({ ns: 'default', key, context: EMPTY_VV }));
      expect(del.kind).toBe('ok');
      for (const kv of [a, b, z]) {
        expect((await c.await(kv.get({ ns: 'default', key, r: 'all' }))).kind).toBe('notfound');
      }
      expect((await c.await(a.delete({ ns: 'default', key, context: EMPTY_VV }))).kind).toBe('notfound');
      const never = await c.await(
        a.delete({ ns: 'default', key: enc.encode('never-written'), context: EMPTY_VV }),
      );
      expect(never.kind).toBe('notfound');
      // r is honoured and checked.
      const bad = await c.await(a.delete({ ns: 'default', key, context: EMPTY_VV, r: '9' }));
      expect(bad).toMatchObject({ kind: 'invalid', reason: 'bad-request' });
      // A later write is a fresh value again.
      expect(
        (await c.await(a.put({ ns: 'default', key, value: enc.encode('back'), context: EMPTY_VV }))).kind,
      ).toBe('ok');
      const got = await c.await(z.get({ ns: 'default', key }));
      expect(got.kind === 'ok' ? got.values.map((v) => dec.decode(v)) : got.kind).toEqual(['back']);
    });
  }, 60_000);

  it('past maxNamespaces a write into a new namespace is a 409; known namespaces keep working', async () => {
    await withSeed(63, async (seed) => {
      const c = new KvSimCluster({ seed, kv: { maxNamespaces: 3 } });
      await c.startConverged(3);
      const a = c.byName('n1').kv;
      const write = (ns: string, k: string) =>
        c.await(a.put({ ns, key: enc.encode(k), value: enc.encode('v'), context: EMPTY_VV }));
      for (const ns of ['one', 'two', 'three']) expect((await write(ns, 'k')).kind).toBe('ok');
      const refused = await write('four', 'k');
      expect(refused).toMatchObject({ kind: 'invalid', reason: 'namespace-limit' });
      if (refused.kind === 'invalid') expect(refused.error).toMatch(/namespace limit reached.*3 namespaces/);
      expect((await write('two', 'another')).kind).toBe('ok');
      // Cluster settings live in the global namespace, which never counts against the cap.
      const settings = await c.await(
        a.put({
          ns: '_global',
          key: enc.encode('ns/one'),
          value: enc.encode('{"w":"all"}'),
          context: EMPTY_VV,
        }),
      );
      expect(settings.kind).toBe('ok');
      for (const node of c.live()) expect(await storedDirect(node, 'four', 'k')).toBeUndefined();
    });
  }, 60_000);

  it('a quorum that cannot be met says how many replicas were reachable (r=all with one of three down)', async () => {
    await withSeed(64, async (seed) => {
      const c = new KvSimCluster({ seed });
      await c.startConverged(3);
      const a = c.byName('n0');
      const key = enc.encode('k');
      expect(
        (await c.await(a.kv.put({ ns: 'default', key, value: enc.encode('v'), context: EMPTY_VV }))).kind,
      ).toBe('ok');
      c.crash(KvSimCluster.addr(2));
      expect(await c.runUntil(() => a.membership.member('n2' as never)?.state === 'dead', 60_000)).toBe(true);
      const got = await c.await(a.kv.get({ ns: 'default', key, r: 'all' }));
      expect(got).toMatchObject({ kind: 'unavailable', needed: 3, got: 0, reachable: 2 });
      const two = await c.await(a.kv.get({ ns: 'default', key, r: '2' }));
      expect(two.kind).toBe('ok');
    });
  }, 60_000);
});
