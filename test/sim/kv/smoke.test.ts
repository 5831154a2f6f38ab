import { describe, expect, it } from 'vitest';
import { EMPTY_VV } from '../../../src/versioning/version-vector.js';
import { withSeed } from '../seed.js';
import { KvSimCluster } from './kv-cluster.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

describe('kv store in the simulator', () => {
  it('put on one node, get on another', async () => {
    await withSeed(1, async (seed) => {
      const c = new KvSimCluster({ seed });
      await c.startConverged(5);
      const a = c.byName('n0').kv;
      const b = c.byName('n3').kv;
      const put = await c.await(
        a.put({ ns: 'default', key: enc.encode('k'), value: enc.encode('v1'), context: EMPTY_VV }),
      );
      expect(put).toMatchObject({ kind: 'ok' });
      const got = await c.await(b.get({ ns: 'default', key: enc.encode('k') }));
      expect(got.kind).toBe('ok');
      if (got.kind === 'ok') expect(got.values.map((v) => dec.decode(v))).toEqual(['v1']);
    });
  });
});
