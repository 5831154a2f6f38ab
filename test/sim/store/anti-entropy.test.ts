import { describe, expect, it } from 'vitest';
import type { AntiEntropyMetrics } from '../../../src/antientropy/anti-entropy.js';
import type { ExchangeResult } from '../../../src/antientropy/exchange.js';
import { seededRandom } from '../../../src/runtime/random.js';
import {
  type DvvSet,
  equal,
  join,
  newSet,
  newWithContext,
  update,
  values,
} from '../../../src/versioning/dvvset.js';
import { replicaId } from '../../../src/versioning/replica-id.js';
import { EMPTY_VV } from '../../../src/versioning/version-vector.js';
import { bytesValue, liveValues, type VersionedValue } from '../../../src/versioning/versioned-value.js';
import { withSeed } from '../seed.js';
import { KvSimCluster, storeDirect, storedDirect } from './kv-cluster.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
type VSet = DvvSet<VersionedValue>;

/** Sums what the exchanges of a node report. */
function exchangeTotals(): {
  totals: { bytes: number; pulled: number; pushed: number; segments: number; failed: number };
  factory: () => AntiEntropyMetrics;
} {
  const totals = { bytes: 0, pulled: 0, pushed: 0, segments: 0, failed: 0 };
  return {
    totals,
    factory: () => ({
      exchange: (r: ExchangeResult) => {
        totals.bytes += r.bytes;
        if (r.ok) {
          totals.pulled += r.pulled;
          totals.pushed += r.pushed;
          totals.segments += r.segments;
        } else {
          totals.failed++;
        }
      },
      sweep: () => {},
    }),
  };
}

const writer = replicaId('writer');
const version = (key: string, v: number): VSet => {
  let set: VSet | undefined;
  for (let i = 0; i <= v; i++)
    set = update(
      newWithContext(set ? join(set) : EMPTY_VV, bytesValue(enc.encode(`${key}@${i}`))),
      set,
      writer,
    );
  return set as VSet;
};

describe('Merkle anti-entropy', () => {
  it('two replicas diverging on d of 100,000 keys: one sweep repairs all d, both ways; bytes grow with d, not M', async () => {
    await withSeed(41, async (seed) => {
      const aae = exchangeTotals();
      const c = new KvSimCluster({
        seed,
        kv: {
          defaults: { n: 2, r: 'quorum', w: 'quorum', strict: false, conflict: 'siblings' },
          antiEntropy: { intervalMs: 3_600_000 },
        },
        antiEntropyMetrics: (name) => (name === 'n0' ? aae.factory() : exchangeTotals().factory()),
      });
      await c.startConverged(2);
      const [a, b] = [c.byName('n0'), c.byName('n1')];
      const M = 100_000;
      const base = new Map<string, VSet>();
      for (let i = 0; i < M; i++) {
        const key = `key-${i}`;
        const set = newSet(bytesValue(enc.encode(key)));
        const dotted = update(set, undefined, writer);
        base.set(key, dotted);
        await storeDirect(a, 'data', key, dotted);
        await storeDirect(b, 'data', key, dotted);
      }
      // The first sweep builds both sides' trees and finds nothing to do.
      await c.await(a.kv.antiEntropy.sweep());
      expect(aae.totals.segments).toBe(0);
      const baseline = aae.totals.bytes;

      const rnd = seededRandom(seed);
      const rows: { d: number; bytes: number; repaired: number }[] = [];
      let round = 0;
      for (const d of [1, 10, 100, 1000]) {
        round++;
        const keys = new Set<string>();
        while (keys.size < d) keys.add(`key-${rnd.int(M)}`);
        const changed = [...keys];
        // Half the differences on each side: the exchange must pull and push.
        for (const [i, key] of changed.entries()) {
          await storeDirect(i % 2 === 0 ? a : b, 'data', key, version(key, round));
        }
        const before = { ...aae.totals };
        await c.await(a.kv.antiEntropy.sweep());
        const repaired = aae.totals.pulled + aae.totals.pushed - before.pulled - before.pushed;
        rows.push({ d, bytes: aae.totals.bytes - before.bytes, repaired });
        for (const key of changed) {
          const [sa, sb] = [await storedDirect(a, 'data', key), await storedDirect(b, 'data', key)];
          expect(sa !== undefined && sb !== undefined && equal(sa, sb)).toBe(true);
          expect(values(sa as VSet).map((v) => (v.kind === 'value' ? dec.decode(v.bytes) : '∅'))).toEqual([
            `${key}@${round}`,
          ]);
        }
      }
      console.log(
        `anti-entropy, M=${M} keys, N=2, 256 partitions: in-sync sweep ${baseline} bytes; ` +
          rows.map((r) => `d=${r.d}: ${r.bytes} bytes, ${r.repaired} keys repaired`).join('; '),
      );
      for (const r of rows) expect(r.repaired).toBe(r.d);
      // Grows with d ...
      for (let i = 1; i < rows.length; i++)
        expect((rows[i]?.bytes ?? 0) > (rows[i - 1]?.bytes ?? 0)).toBe(true);
      // ... and not with M: one difference costs about an in-sync sweep plus one tree path, far below the data.
      expect(rows[0]?.bytes ?? 0).toBeLessThan(baseline + 10_000);
      expect(rows[0]?.bytes ?? 0).toBeLessThan(M);
    });
  }, 240_000);

  it('a 3-way partition with writes on every side heals by anti-entropy alone: identical sets, all siblings, no resurrection', async () => {
    await withSeed(42, async (seed) => {
      const c = new KvSimCluster({
        seed,
        kv: {
          antiEntropy: { intervalMs: 5_000 },
          hints: { intervalMs: 3_600_000 },
          request: { sloppyQuorum: false },
        },
      });
      await c.startConverged(6);
      // Keys deleted before the partition must stay deleted.
      const deleted = Array.from({ length: 10 }, (_, i) => `gone-${i}`);
      for (const key of deleted) {
        const put = await c.await(
          c.byName('n0').kv.put({
            ns: 'default',
            key: enc.encode(key),
            value: enc.encode('v'),
            context: EMPTY_VV,
            w: 'all',
          }),
        );
        expect(put.kind).toBe('ok');
        const del = await c.await(
          c.byName('n1').kv.delete({
            ns: 'default',
            key: enc.encode(key),
            context: put.kind === 'ok' ? put.context : EMPTY_VV,
            w: 'all',
          }),
        );
        expect(del.kind).toBe('ok');
      }
      c.sim.partition(['n0:7946', 'n1:7946'], ['n2:7946', 'n3:7946', 'n4:7946', 'n5:7946']);
      c.sim.partition(['n2:7946', 'n3:7946'], ['n4:7946', 'n5:7946']);
      await c.sim.run(15_000);
      // Concurrent blind writes on all three sides, W=1 (each side reaches at most its own replicas).
      const keys = Array.from({ length: 30 }, (_, i) => `k-${i}`);
      const acked = new Map<string, Set<string>>(keys.map((k) => [k, new Set()]));
      for (const key of keys) {
        for (const coordinator of ['n0', 'n2', 'n4']) {
          const value = `${key}-from-${coordinator}`;
          const put = await c.await(
            c.byName(coordinator).kv.put({
              ns: 'default',
              key: enc.encode(key),
              value: enc.encode(value),
              context: EMPTY_VV,
              w: '1',
            }),
          );
          if (put.kind === 'ok') acked.get(key)?.add(value);
        }
      }
      expect([...acked.values()].reduce((n, s) => n + s.size, 0)).toBeGreaterThan(30);
      c.sim.heal();
      const healed = await c.runUntil(
        () => c.live().every((n) => n.membership.countByState().alive === 6),
        90_000,
      );
      expect(healed).toBe(true);

      const kv0 = c.byName('n0').kv;
      const converged = async (): Promise<boolean> => {
        for (const key of [...keys, ...deleted]) {
          const k = enc.encode(key);
          const owners = kv0.placement.primaries(kv0.placement.partitionOf(k), 3);
          const sets = await Promise.all(owners.map((o) => storedDirect(c.byName(o), 'default', key)));
          const first = sets[0];
          if (first === undefined || !sets.every((s) => s !== undefined && equal(s, first))) return false;
        }
        return true;
      };
      const t0 = c.sim.now();
      let ok = false;
      while (c.sim.now() - t0 < 4 * 5_000 * 1.1 && !ok) {
        await c.sim.run(1_000);
        ok = await converged();
      }
      console.log(
        `3-way partition healed; replicas identical after ${Math.round(c.sim.now() - t0)} virtual ms (interval 5,000)`,
      );
      expect(ok).toBe(true);
      for (const key of keys) {
        const owner = kv0.placement.primaries(kv0.placement.partitionOf(enc.encode(key)), 3)[0] ?? 'n0';
        const set = await storedDirect(c.byName(owner), 'default', key);
        const present = new Set(liveValues(set as VSet).map((v) => dec.decode(v)));
        for (const v of acked.get(key) ?? []) expect(present.has(v)).toBe(true);
      }
      for (const key of deleted) {
        const got = await c.await(c.byName('n5').kv.get({ ns: 'default', key: enc.encode(key), r: 'all' }));
        expect(got.kind).toBe('notfound');
      }
    });
  }, 240_000);

  it('a tree that no longer matches its data is rebuilt from storage after an exchange finds nothing to repair', async () => {
    await withSeed(43, async (seed) => {
      const c = new KvSimCluster({
        seed,
        kv: {
          defaults: { n: 2, r: 'quorum', w: 'quorum', strict: false, conflict: 'siblings' },
          antiEntropy: { intervalMs: 3_600_000 },
        },
      });
      await c.startConverged(2);
      const [a, b] = [c.byName('n0'), c.byName('n1')];
      for (let i = 0; i < 100; i++) {
        const set = update(newSet(bytesValue(enc.encode(`v${i}`))), undefined, writer);
        await storeDirect(a, 'data', `key-${i}`, set);
        await storeDirect(b, 'data', `key-${i}`, set);
      }
      await c.await(a.kv.antiEntropy.sweep());
      const partition = a.kv.placement.partitionOf(enc.encode('key-0'));
      // Corrupt n0's tree: an entry no storage holds.
      (await a.kv.trees.tree('data', partition)).update('phantom', undefined, Uint8Array.of(1));
      const found = await c.await(a.kv.antiEntropy.exchange('data', partition, 'n1' as never));
      expect(found).toMatchObject({ ok: true, segments: 1, pulled: 0, pushed: 0 });
      expect(a.kv.antiEntropy.convergence().treesRebuilt).toBe(1);
      const again = await c.await(a.kv.antiEntropy.exchange('data', partition, 'n1' as never));
      expect(again).toMatchObject({ ok: true, segments: 0 });
    });
  }, 60_000);

  it('repairs at most antiEntropy.maxKeysPerSecond keys per second, however large the divergence', async () => {
    await withSeed(44, async (seed) => {
      const c = new KvSimCluster({
        seed,
        kv: {
          defaults: { n: 2, r: 'quorum', w: 'quorum', strict: false, conflict: 'siblings' },
          antiEntropy: { intervalMs: 3_600_000, maxKeysPerSecond: 100 },
        },
      });
      await c.startConverged(2);
      const [a, b] = [c.byName('n0'), c.byName('n1')];
      await storeDirect(
        a,
        'data',
        'seed-key',
        update(newSet(bytesValue(enc.encode('x'))), undefined, writer),
      );
      await storeDirect(
        b,
        'data',
        'seed-key',
        update(newSet(bytesValue(enc.encode('x'))), undefined, writer),
      );
      for (let i = 0; i < 300; i++) {
        await storeDirect(
          b,
          'data',
          `only-on-b-${i}`,
          update(newSet(bytesValue(enc.encode(`v${i}`))), undefined, writer),
        );
      }
      const t0 = c.sim.now();
      // n0 holds nothing in those partitions, so its sweep skips them: n1, which holds the keys, pushes them.
      await c.await(b.kv.antiEntropy.sweep(), 120_000);
      const took = c.sim.now() - t0;
      for (let i = 0; i < 300; i += 37) expect(await storedDirect(a, 'data', `only-on-b-${i}`)).toBeDefined();
      // 300 keys with a burst of 100 and 100 per second: at least 2 virtual seconds.
      expect(took).toBeGreaterThanOrEqual(2_000);
      expect(took).toBeLessThan(10_000);
    });
  }, 60_000);
});
