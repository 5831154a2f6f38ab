import { describe, expect, it } from 'vitest';
import type { CoordinatorMetrics } from '../../../src/coordinator/coordinator-metrics.js';
import type { RepairReason } from '../../../src/coordinator/get-core.js';
import { EMPTY_VV } from '../../../src/versioning/version-vector.js';
import { liveValues } from '../../../src/versioning/versioned-value.js';
import { withSeed } from '../seed.js';
import { KvSimCluster } from './kv-cluster.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const KEY = enc.encode('answer');

/** Counts read repairs per node, by reason. */
function repairCounter(): { counts: Map<string, number>; factory: (name: string) => CoordinatorMetrics } {
  const counts = new Map<string, number>();
  return {
    counts,
    factory: () => ({
      request: () => {},
      siblings: () => {},
      handedOff: () => {},
      readRepair: (reason: RepairReason) => counts.set(reason, (counts.get(reason) ?? 0) + 1),
    }),
  };
}

/** What the replica on `name` itself stores for KEY (not a hint), as strings. */
async function stored(c: KvSimCluster, name: string, ns = 'default'): Promise<string[]> {
  const kv = c.byName(name).kv;
  const partition = kv.placement.partitionOf(KEY);
  const res = await c.await(kv.service.handle({ op: 'get', ns, key: KEY, partition }));
  return res.kind === 'found' ? liveValues(res.set).map((b) => dec.decode(b)) : [];
}

/** The key's three primaries, and a coordinator that is not one of them. */
function roles(c: KvSimCluster): { primaries: string[]; outsider: string } {
  const kv = c.byName('n0').kv;
  const primaries: string[] = [...kv.placement.primaries(kv.placement.partitionOf(KEY), 3)];
  const outsider = ['n0', 'n1', 'n2', 'n3', 'n4'].find((n) => !primaries.includes(n)) as string;
  return { primaries, outsider };
}

async function crashAndDetect(c: KvSimCluster, victims: readonly string[]): Promise<void> {
  for (const v of victims) c.crash(`${v}:7946`);
  const seen = await c.runUntil(
    () => c.live().every((n) => victims.every((v) => n.membership.member(v)?.state === 'dead')),
    60_000,
  );
  expect(seen).toBe(true);
}

async function restartAndConverge(c: KvSimCluster, names: readonly string[]): Promise<void> {
  for (const n of names) await c.start(`${n}:7946`, ['n0:7946', 'n1:7946', 'n2:7946', 'n3:7946', 'n4:7946']);
  const ok = await c.runUntil(() => c.live().every((n) => n.membership.countByState().alive === 5), 90_000);
  expect(ok).toBe(true);
}

describe('read repair', () => {
  it('a replica that missed a write holds it after one read with R = N and repair=sync; the metric counts it', async () => {
    await withSeed(11, async (seed) => {
      const repairs = repairCounter();
      const c = new KvSimCluster({
        seed,
        kv: { request: { sloppyQuorum: false } },
        metrics: repairs.factory,
      });
      await c.startConverged(5);
      const { primaries, outsider } = roles(c);
      const [p1, , p3] = primaries as [string, string, string];
      await crashAndDetect(c, [p3]);
      const coordinator = c.byName(outsider).kv;
      const put = await c.await(
        coordinator.put({ ns: 'default', key: KEY, value: enc.encode('42'), context: EMPTY_VV, w: '2' }),
      );
      expect(put.kind).toBe('ok');
      await restartAndConverge(c, [p3]);
      expect(await stored(c, p3)).toEqual([]);
      expect(await stored(c, p1)).toEqual(['42']);

      const got = await c.await(coordinator.get({ ns: 'default', key: KEY, r: 'all', repair: 'sync' }));
      expect(got.kind).toBe('ok');
      // Synchronous repair: the stale replica holds the value by the time the client has its answer.
      expect(await stored(c, p3)).toEqual(['42']);
      expect(repairs.counts.get('notfound')).toBe(1);
    });
  }, 120_000);
});

describe('hinted handoff', () => {
  it('with two of three owners down a W=2 write succeeds through fallbacks; the owners hold it after they return', async () => {
    await withSeed(12, async (seed) => {
      const c = new KvSimCluster({ seed, kv: { hints: { intervalMs: 1_000 } } });
      await c.startConverged(5);
      const { primaries, outsider } = roles(c);
      const [p1, p2, p3] = primaries as [string, string, string];
      await crashAndDetect(c, [p2, p3]);
      const coordinator = c.byName(outsider).kv;
      const put = await c.await(
        coordinator.put({ ns: 'default', key: KEY, value: enc.encode('42'), context: EMPTY_VV, w: '2' }),
      );
      // Only one primary is up, so the second ack came from a fallback holding a hint.
      expect(put.kind).toBe('ok');
      const hinted = c.live().reduce((a, n) => a + n.kv.hints.count, 0);
      expect(hinted).toBeGreaterThanOrEqual(1);
      expect(await stored(c, p1)).toEqual(['42']);

      await restartAndConverge(c, [p2, p3]);
      const delivered = await c.runUntil(() => c.live().every((n) => n.kv.hints.count === 0), 30_000);
      expect(delivered).toBe(true);
      // The returning owners got the write from the hints alone: no client read happened.
      expect(await stored(c, p2)).toEqual(['42']);
      expect(await stored(c, p3)).toEqual(['42']);
    });
  }, 120_000);

  it('strict mode does not use fallbacks: the same write is refused with 503-style unavailable', async () => {
    await withSeed(13, async (seed) => {
      const c = new KvSimCluster({ seed, kv: { namespaces: { s: { strict: true } } } });
      await c.startConverged(5);
      const { primaries, outsider } = roles(c);
      await crashAndDetect(c, primaries.slice(1));
      const put = await c.await(
        c.byName(outsider).kv.put({ ns: 's', key: KEY, value: enc.encode('42'), context: EMPTY_VV }),
      );
      expect(put).toMatchObject({ kind: 'unavailable', needed: 2, mayHaveApplied: false });
      expect(c.live().reduce((a, n) => a + n.kv.hints.count, 0)).toBe(0);
    });
  }, 120_000);
});
