import { describe, expect, it } from 'vitest';
import type { Random } from '../../../src/runtime/random.js';
import { EMPTY_VV } from '../../../src/versioning/version-vector.js';
import { Keyring } from '../../../src/wire/index.js';
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

  it('an encrypted, labelled cluster runs the sealed transport and each node exports its own metrics', async () => {
    await withSeed(2, async (seed) => {
      // Nonces from the node's seeded Random, so the run replays.
      const keyring = (random: Random): Keyring => {
        const r = Keyring.create(new Uint8Array(32).fill(7), [], {
          nonce: (n) => Uint8Array.from({ length: n }, () => random.int(256)),
        });
        if (!r.ok) throw new Error(r.error.message);
        return r.value;
      };
      const c = new KvSimCluster({ seed, keyring, label: 'sim-label' });
      await c.startConverged(5);
      const put = await c.await(
        c
          .byName('n1')
          .kv.put({ ns: 'default', key: enc.encode('k'), value: enc.encode('v1'), context: EMPTY_VV }),
      );
      expect(put).toMatchObject({ kind: 'ok' });
      const got = await c.await(c.byName('n4').kv.get({ ns: 'default', key: enc.encode('k'), r: 'all' }));
      expect(got.kind === 'ok' && got.values.map((v) => dec.decode(v))).toEqual(['v1']);
      const text = await c.byName('n1').metrics.text();
      expect(text).toMatch(/hearsay_kv_request_duration_seconds_count\{[^}]*op="put"[^}]*\} 1/);
      expect(text).toContain('node="n1"');
    });
  });
});
