import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_HINTS, type HintEntry, HintStore } from '../../../src/replica/hints.js';
import type { ReplicaMetrics } from '../../../src/replica/replica-metrics.js';
import { openMemoryStorage } from '../../../src/storage/memory-storage.js';
import { type DvvSet, join, newSet, newWithContext, update } from '../../../src/versioning/dvvset.js';
import { replicaId } from '../../../src/versioning/replica-id.js';
import { get as vvGet } from '../../../src/versioning/version-vector.js';
import { bytesValue, liveValues, type VersionedValue } from '../../../src/versioning/versioned-value.js';

const A = replicaId('a');
const B = replicaId('b');
const key = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
/** A write at replica `by`; with `on`, it read `on` first and so supersedes it. */
const write = (by: typeof A, v: string, on?: DvvSet<VersionedValue>): DvvSet<VersionedValue> =>
  update(
    on === undefined ? newSet(bytesValue(key(v))) : newWithContext(join(on), bytesValue(key(v))),
    on,
    by,
  );

async function list(store: HintStore, target: string): Promise<HintEntry[]> {
  const out: HintEntry[] = [];
  for await (const h of store.hintsFor(target)) out.push(h);
  return out;
}

function gauges(): ReplicaMetrics & { readonly seen: { stored: number; delivered: number } } {
  const seen = { stored: 0, delivered: 0 };
  return {
    seen,
    merges: () => {},
    corrupt: () => {},
    hintsStored: (n) => {
      seen.stored = n;
    },
    hintsDelivered: (n) => {
      seen.delivered += n;
    },
    reaped: () => {},
    namespaceLimit: () => {},
  };
}

describe('HintStore', () => {
  it('adds, lists per target and removes hints', async () => {
    const storage = openMemoryStorage();
    const hints = await HintStore.open({ storage });
    expect(hints.targets()).toEqual([]);
    expect((await hints.addHint('n2', 'data', key('k1'), 4, write(A, 'x'), 100)).ok).toBe(true);
    expect((await hints.addHint('n2', 'logs', key('k2'), 1, write(A, 'y'), 101)).ok).toBe(true);
    expect((await hints.addHint('n3', 'data', key('k1'), 4, write(A, 'z'), 102)).ok).toBe(true);
    expect(hints.targets()).toEqual(['n2', 'n3']);
    expect(hints.count).toBe(3);

    const forN2 = await list(hints, 'n2');
    expect(forN2.map((h) => `${h.ns}/${h.partition}/${text(h.key)}`).sort()).toEqual([
      'data/4/k1',
      'logs/1/k2',
    ]);
    const first = forN2[0]!;
    if (!first.ok) throw new Error('corrupt');
    expect(first.addedMs).toBeGreaterThanOrEqual(100);

    for (const h of forN2) expect(await hints.removeHint(h)).toEqual({ ok: true, value: true });
    expect(await list(hints, 'n2')).toEqual([]);
    expect(hints.targets()).toEqual(['n3']);
    expect(hints.count).toBe(1);
    await storage.close();
  });

  it('merges a second hint for the same key by DVV sync instead of storing two', async () => {
    const storage = openMemoryStorage();
    const hints = await HintStore.open({ storage });
    const s1 = write(A, 'x');
    const s2 = write(A, 'y', s1); // supersedes s1
    const s3 = write(B, 'z'); // concurrent with both
    expect(await hints.addHint('n2', 'data', key('k'), 0, s1, 1)).toMatchObject({
      ok: true,
      value: { merged: false },
    });
    expect(await hints.addHint('n2', 'data', key('k'), 0, s2, 2)).toMatchObject({
      ok: true,
      value: { merged: true },
    });
    expect(await hints.addHint('n2', 'data', key('k'), 0, s3, 3)).toMatchObject({
      ok: true,
      value: { merged: true },
    });
    expect(await hints.addHint('n2', 'data', key('k'), 0, s1, 4)).toMatchObject({
      ok: true,
      value: { merged: true },
    });
    expect(hints.count).toBe(1);
    const [h] = await list(hints, 'n2');
    if (!h?.ok) throw new Error('missing');
    expect(liveValues(h.set).map(text).sort()).toEqual(['y', 'z']);
    expect(vvGet(join(h.set), A)).toBe(2);
    // The hint's age is its first arrival, so delivery priority is not reset by repeats.
    expect(h.addedMs).toBe(1);
    await storage.close();
  });

  it('removes a hint only if it is unchanged since it was listed', async () => {
    const storage = openMemoryStorage();
    const hints = await HintStore.open({ storage });
    await hints.addHint('n2', 'data', key('k'), 0, write(A, 'x'), 1);
    const [listed] = await list(hints, 'n2');
    // A new write for the same key arrives while the listed copy is being delivered.
    await hints.addHint('n2', 'data', key('k'), 0, write(B, 'y'), 2);
    expect(await hints.removeHint(listed!)).toEqual({ ok: true, value: false });
    const [now] = await list(hints, 'n2');
    if (!now?.ok) throw new Error('missing');
    expect(liveValues(now.set).map(text).sort()).toEqual(['x', 'y']);
    expect(await hints.removeHint(now)).toEqual({ ok: true, value: true });
    expect(await hints.removeHint(now)).toEqual({ ok: true, value: false });
    await storage.close();
  });

  it('is bounded: a new key past maxHints fails with a typed full error, merges still succeed', async () => {
    const storage = openMemoryStorage();
    const hints = await HintStore.open({ storage }, { maxHints: 2 });
    expect(DEFAULT_MAX_HINTS).toBeGreaterThan(2);
    await hints.addHint('n2', 'data', key('a'), 0, write(A, 'x'), 1);
    await hints.addHint('n2', 'data', key('b'), 0, write(A, 'x'), 1);
    expect(await hints.addHint('n2', 'data', key('c'), 0, write(A, 'x'), 1)).toEqual({
      ok: false,
      error: { kind: 'full', limit: 2 },
    });
    expect((await hints.addHint('n2', 'data', key('a'), 0, write(B, 'y'), 2)).ok).toBe(true);
    expect(hints.count).toBe(2);
    await storage.close();
  });

  it('concurrent adds of distinct keys never overshoot the bound', async () => {
    const storage = openMemoryStorage();
    const hints = await HintStore.open({ storage }, { maxHints: 10 });
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => hints.addHint('n2', 'data', key(`k${i}`), 0, write(A, 'x'), 1)),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    expect(results.filter((r) => !r.ok)).toHaveLength(20);
    expect((await list(hints, 'n2')).length).toBe(10);
    await storage.close();
  });

  it('a corrupt hint is listed as a typed error, counted, and removable', async () => {
    const storage = openMemoryStorage();
    let corrupt = 0;
    const metrics: ReplicaMetrics = {
      merges: () => {},
      corrupt: () => {
        corrupt++;
      },
      hintsStored: () => {},
      hintsDelivered: () => {},
      reaped: () => {},
      namespaceLimit: () => {},
    };
    const hints = await HintStore.open({ storage, metrics });
    await hints.addHint('n2', 'data', key('k'), 0, write(A, 'x'), 1);
    const [h] = await list(hints, 'n2');
    await storage.put(`\u0000hints:2:n2:data`, { partition: 0, key: key('k') }, Uint8Array.of(7));
    const [bad] = await list(hints, 'n2');
    expect(bad).toMatchObject({ ok: false, error: { kind: 'corrupt' } });
    expect(corrupt).toBe(1);
    expect(await hints.removeHint(h!)).toEqual({ ok: true, value: false });
    expect(await hints.removeHint(bad!)).toEqual({ ok: true, value: true });
    await storage.close();
  });

  it('reports the stored gauge and delivered counter', async () => {
    const storage = openMemoryStorage();
    const m = gauges();
    const hints = await HintStore.open({ storage, metrics: m });
    await hints.addHint('n2', 'data', key('a'), 0, write(A, 'x'), 1);
    await hints.addHint('n2', 'data', key('b'), 0, write(A, 'x'), 1);
    expect(m.seen.stored).toBe(2);
    for (const h of await list(hints, 'n2')) await hints.removeHint(h);
    expect(m.seen.stored).toBe(0);
    expect(m.seen.delivered).toBe(2);
    await storage.close();
  });
});
