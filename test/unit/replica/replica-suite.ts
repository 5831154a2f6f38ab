import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Replica, type VSet } from '../../../src/replica/replica.js';
import type { ReplicaMetrics } from '../../../src/replica/replica-metrics.js';
import { openMemoryStorage } from '../../../src/storage/memory-storage.js';
import type { Storage } from '../../../src/storage/storage.js';
import { equal, join, size, values } from '../../../src/versioning/dvvset.js';
import { encodeSet } from '../../../src/versioning/dvvset-codec.js';
import { replicaId } from '../../../src/versioning/replica-id.js';
import { EMPTY_VV, get as vvGet } from '../../../src/versioning/version-vector.js';
import { bytesValue, isDeleted, liveValues, TOMBSTONE } from '../../../src/versioning/versioned-value.js';

const NS = 'data';
const P = 7;
const key = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const A = replicaId('a');
const B = replicaId('b');
const C = replicaId('c');

function countingMetrics(): ReplicaMetrics & { readonly counts: Record<string, number> } {
  const counts: Record<string, number> = {
    corrupt: 0,
    reaped: 0,
    changed: 0,
    unchanged: 0,
    namespaceLimit: 0,
  };
  const inc = (k: string) => () => {
    counts[k] = (counts[k] ?? 0) + 1;
  };
  return {
    counts,
    merges: (changed) => inc(changed ? 'changed' : 'unchanged')(),
    corrupt: inc('corrupt'),
    hintsStored: () => {},
    hintsDelivered: () => {},
    reaped: inc('reaped'),
    namespaceLimit: inc('namespaceLimit'),
  };
}

function must<T>(r: { readonly ok: true; readonly value: T } | { readonly ok: false }): T {
  if (!r.ok) throw new Error(`unexpected error result: ${JSON.stringify(r)}`);
  return r.value;
}

/** The replica specification, run against every storage engine (memory here, lmdb in replica-lmdb). */
export function replicaSuite(engine: string, open: () => Promise<Storage>): void {
  describe(`Replica over ${engine}`, () => {
    async function withReplica(
      id: typeof A,
      fn: (r: Replica, s: Storage, m: ReturnType<typeof countingMetrics>) => Promise<void>,
    ): Promise<void> {
      const storage = await open();
      const metrics = countingMetrics();
      try {
        await fn(new Replica({ storage, metrics }, { localId: id }), storage, metrics);
      } finally {
        await storage.close();
      }
    }

    it('an absent key reads as undefined', () =>
      withReplica(A, async (r) => {
        expect(must(await r.get(NS, key('k'), P))).toBeUndefined();
      }));

    it('two writes with an empty context are siblings', () =>
      withReplica(A, async (r) => {
        must(await r.coordinate(NS, key('k'), P, EMPTY_VV, bytesValue(key('x')), 1));
        must(await r.coordinate(NS, key('k'), P, EMPTY_VV, bytesValue(key('y')), 2));
        const set = must(await r.get(NS, key('k'), P))!;
        expect(liveValues(set).map(text).sort()).toEqual(['x', 'y']);
      }));

    it('a write with the returned context replaces what it saw', () =>
      withReplica(A, async (r) => {
        const first = must(await r.coordinate(NS, key('k'), P, EMPTY_VV, bytesValue(key('x')), 1));
        must(await r.coordinate(NS, key('k'), P, join(first), bytesValue(key('y')), 2));
        const set = must(await r.get(NS, key('k'), P))!;
        expect(liveValues(set).map(text)).toEqual(['y']);
        expect(vvGet(join(set), A)).toBe(2);
      }));

    it('a tombstone written with the read context deletes the key', () =>
      withReplica(A, async (r) => {
        must(await r.coordinate(NS, key('k'), P, EMPTY_VV, bytesValue(key('x')), 1));
        const read = must(await r.get(NS, key('k'), P))!;
        must(await r.coordinate(NS, key('k'), P, join(read), TOMBSTONE, 2));
        const after = must(await r.get(NS, key('k'), P))!;
        expect(isDeleted(after)).toBe(true);
        expect(size(after)).toBe(1);
      }));

    it('50 concurrent coordinated writes on one key all get a dot and stay as siblings', () =>
      withReplica(A, async (r) => {
        const writes = Array.from({ length: 50 }, (_, i) =>
          r.coordinate(NS, key('hot'), P, EMPTY_VV, bytesValue(key(`v${i}`)), i),
        );
        for (const w of await Promise.all(writes)) must(w);
        const set = must(await r.get(NS, key('hot'), P))!;
        expect(vvGet(join(set), A)).toBe(50);
        expect(liveValues(set).map(text).sort()).toEqual(
          Array.from({ length: 50 }, (_, i) => `v${i}`).sort(),
        );
      }));

    it('merge stores a replicated set once; a second delivery changes nothing', () =>
      withReplica(B, async (rb, _s, m) => {
        const storageA = openMemoryStorage();
        const ra = new Replica({ storage: storageA }, { localId: A });
        const set = must(await ra.coordinate(NS, key('k'), P, EMPTY_VV, bytesValue(key('x')), 1));
        expect(must(await rb.merge(NS, key('k'), P, set, 2)).changed).toBe(true);
        const again = must(await rb.merge(NS, key('k'), P, set, 3));
        expect(again.changed).toBe(false);
        expect(equal(again.set, set)).toBe(true);
        expect(m.counts).toMatchObject({ changed: 1, unchanged: 1 });
        await storageA.close();
      }));

    it('merging replicated sets in any order, with duplicates, stores the same set', async () => {
      // Sets produced by three coordinators with stale contexts, then delivered to fresh replicas in
      // random orders with repeats: sync's laws make the stored result order-independent.
      const sources = await (async () => {
        const out: VSet[] = [];
        const storage = openMemoryStorage();
        const coords = [A, B, C].map((id) => new Replica({ storage }, { localId: id }));
        let ctx = EMPTY_VV;
        for (let i = 0; i < 9; i++) {
          const c = coords[i % 3]!;
          // Each coordinator writes into its own key copy, then sees others' sets by merge.
          const s = must(
            await c.coordinate(
              NS,
              key(`k${i % 3}`),
              P,
              i % 2 === 0 ? ctx : EMPTY_VV,
              bytesValue(key(`v${i}`)),
              i,
            ),
          );
          out.push(s);
          ctx = join(s);
        }
        await storage.close();
        return out;
      })();
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.nat(sources.length - 1), { minLength: 1, maxLength: 20 }),
          fc.array(fc.nat(sources.length - 1), { minLength: 1, maxLength: 20 }),
          async (order1, order2) => {
            const all = [...Array(sources.length).keys()];
            const results: Uint8Array[] = [];
            for (const order of [
              [...all, ...order1],
              [...order2, ...all.slice().reverse()],
            ]) {
              const storage = await open();
              const r = new Replica({ storage }, { localId: replicaId('z') });
              for (const i of order) must(await r.merge(NS, key('k'), P, sources[i]!, 1));
              results.push(encodeSet(must(await r.get(NS, key('k'), P))!));
              await storage.close();
            }
            expect(results[0]).toEqual(results[1]);
          },
        ),
        { numRuns: engine === 'memory' ? 100 : 15 },
      );
    });

    it('corrupt stored bytes are a typed error, counted, and refuse writes without throwing', () =>
      withReplica(A, async (r, storage, m) => {
        await storage.put(NS, { partition: P, key: key('bad') }, Uint8Array.of(1, 0, 9, 9, 9));
        const got = await r.get(NS, key('bad'), P);
        expect(got).toMatchObject({ ok: false, error: { kind: 'corrupt' } });
        const put = await r.coordinate(NS, key('bad'), P, EMPTY_VV, bytesValue(key('x')), 1);
        expect(put).toMatchObject({ ok: false, error: { kind: 'corrupt' } });
        // The bad bytes are left for inspection, not overwritten.
        expect(Uint8Array.from((await storage.get(NS, { partition: P, key: key('bad') }))!)).toEqual(
          Uint8Array.of(1, 0, 9, 9, 9),
        );
        const listed = [];
        for await (const e of r.iteratePartition(NS, P)) listed.push(e);
        expect(listed).toMatchObject([{ ok: false, error: { kind: 'corrupt' } }]);
        expect(m.counts.corrupt).toBe(3);
      }));

    it('a tombstone is reapable only after the grace period, and reap deletes it', () =>
      withReplica(A, async (r, _s, m) => {
        const w = must(await r.coordinate(NS, key('k'), P, EMPTY_VV, bytesValue(key('x')), 100));
        must(await r.coordinate(NS, key('k'), P, join(w), TOMBSTONE, 1000));
        expect(must(await r.reapable(NS, key('k'), P, 1500, 1000))).toBeUndefined();
        const ts = must(await r.reapable(NS, key('k'), P, 2000, 1000));
        expect(ts).toBeDefined();
        expect(must(await r.reap(NS, key('k'), P, ts!))).toBe('reaped');
        expect(must(await r.get(NS, key('k'), P))).toBeUndefined();
        expect(must(await r.reap(NS, key('k'), P, ts!))).toBe('absent');
        expect(m.counts.reaped).toBe(1);
      }));

    it('a live value is never reapable', () =>
      withReplica(A, async (r) => {
        must(await r.coordinate(NS, key('k'), P, EMPTY_VV, bytesValue(key('x')), 0));
        expect(must(await r.reapable(NS, key('k'), P, 1e9, 0))).toBeUndefined();
      }));

    it('reap refuses when a newer write arrived after reapable', () =>
      withReplica(A, async (r) => {
        const w = must(await r.coordinate(NS, key('k'), P, EMPTY_VV, bytesValue(key('x')), 0));
        must(await r.coordinate(NS, key('k'), P, join(w), TOMBSTONE, 0));
        const ts = must(await r.reapable(NS, key('k'), P, 10, 5))!;
        // A concurrent write (empty context) lands between the check and the reap.
        must(await r.coordinate(NS, key('k'), P, EMPTY_VV, bytesValue(key('new')), 11));
        expect(must(await r.reap(NS, key('k'), P, ts))).toBe('changed');
        expect(liveValues(must(await r.get(NS, key('k'), P))!).map(text)).toEqual(['new']);
      }));

    it('reap refuses when a replicated tombstone changed the set, even if still all tombstones', () =>
      withReplica(A, async (r) => {
        must(await r.coordinate(NS, key('k'), P, EMPTY_VV, TOMBSTONE, 0));
        const ts = must(await r.reapable(NS, key('k'), P, 10, 0))!;
        const other = new Replica({ storage: openMemoryStorage() }, { localId: B });
        const bTomb = must(await other.coordinate(NS, key('k'), P, EMPTY_VV, TOMBSTONE, 0));
        expect(must(await r.merge(NS, key('k'), P, bTomb, 11)).changed).toBe(true);
        expect(must(await r.reap(NS, key('k'), P, ts))).toBe('changed');
        expect(values(must(await r.get(NS, key('k'), P))!)).toHaveLength(2);
      }));

    it('iteratePartition lists the partition in key order and nothing else', () =>
      withReplica(A, async (r) => {
        for (const k of ['b', 'a', 'c'])
          must(await r.coordinate(NS, key(k), P, EMPTY_VV, bytesValue(key(k)), 5));
        must(await r.coordinate(NS, key('other'), P + 1, EMPTY_VV, bytesValue(key('o')), 5));
        const seen: string[] = [];
        for await (const e of r.iteratePartition(NS, P)) {
          if (!e.ok) throw new Error('corrupt');
          seen.push(`${text(e.key)}=${liveValues(e.set).map(text).join()}@${e.atMs}`);
        }
        expect(seen).toEqual(['a=a@5', 'b=b@5', 'c=c@5']);
      }));

    it('a storage failure is a typed error', async () => {
      const storage = await open();
      const r = new Replica({ storage }, { localId: A });
      await storage.close();
      expect(await r.get(NS, key('k'), P)).toMatchObject({
        ok: false,
        error: { kind: 'storage', code: 'closed' },
      });
      expect(await r.coordinate(NS, key('k'), P, EMPTY_VV, TOMBSTONE, 0)).toMatchObject({
        ok: false,
        error: { kind: 'storage' },
      });
    });

    it('reserved namespaces are a programmer error', () =>
      withReplica(A, async (r) => {
        await expect(r.get('\u0000hints', key('k'), P)).rejects.toThrow(RangeError);
      }));
  });
}
