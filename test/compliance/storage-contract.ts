import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_KEY_BYTES } from '../../src/storage/layout.js';
import { type BatchOp, type Storage, StorageError, type StoreKey } from '../../src/storage/storage.js';

/**
 * The Storage contract (DESIGN.md §8), run unchanged against every engine, like riak_kv's backend
 * property test. `reopen` is given by durable engines: it closes nothing itself, it opens the same files
 * again after the test closed the store.
 */
export interface StorageHarness {
  readonly store: Storage;
  readonly reopen?: () => Promise<Storage>;
  cleanup(): Promise<void>;
}

const enc = new TextEncoder();
const text = (s: string): Uint8Array => enc.encode(s);
const k = (partition: number, key: string | Uint8Array): StoreKey => ({
  partition,
  key: typeof key === 'string' ? text(key) : key,
});

/** Plain arrays, so results compare equal whatever view class an engine hands out. */
const arr = (b: Uint8Array | undefined): number[] | undefined => (b === undefined ? undefined : [...b]);

async function collect(
  it: AsyncIterable<readonly [StoreKey, Uint8Array]>,
): Promise<[number, number[], number[]][]> {
  const out: [number, number[], number[]][] = [];
  for await (const [key, value] of it) out.push([key.partition, [...key.key], [...value]]);
  return out;
}

async function expectCode(p: Promise<unknown>, code: StorageError['code']): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StorageError);
  expect((err as StorageError).code).toBe(code);
}

export function storageContract(name: string, makeStore: () => Promise<StorageHarness>): void {
  describe(`storage contract: ${name}`, () => {
    let h: StorageHarness;
    /** Stores opened by the test (reopen), closed in afterEach even when the test fails. */
    let opened: Storage[];

    beforeEach(async () => {
      h = await makeStore();
      opened = [h.store];
    });

    afterEach(async () => {
      await Promise.allSettled(opened.map((s) => s.close()));
      await h.cleanup();
    });

    it('returns undefined for a key never written', async () => {
      expect(await h.store.get('data', k(0, 'nope'))).toBeUndefined();
    });

    it('reads back a put, overwrites it, and forgets it after delete', async () => {
      const s = h.store;
      await s.put('data', k(1, 'a'), text('one'));
      expect(arr(await s.get('data', k(1, 'a')))).toEqual([...text('one')]);
      await s.put('data', k(1, 'a'), text('two'));
      expect(arr(await s.get('data', k(1, 'a')))).toEqual([...text('two')]);
      await s.delete('data', k(1, 'a'));
      expect(await s.get('data', k(1, 'a'))).toBeUndefined();
      await s.delete('data', k(1, 'a')); // deleting an absent key is fine
    });

    it('stores arbitrary binary keys and values, including an empty value and an empty key', async () => {
      const s = h.store;
      const binKey = Uint8Array.from([0, 255, 0, 1, 0xfe]);
      const binVal = Uint8Array.from({ length: 4096 }, (_, i) => (i * 31) & 0xff);
      await s.put('data', k(7, binKey), binVal);
      await s.put('data', k(7, 'empty'), new Uint8Array(0));
      await s.put('data', k(7, new Uint8Array(0)), text('empty key'));
      expect(arr(await s.get('data', k(7, binKey)))).toEqual([...binVal]);
      expect(arr(await s.get('data', k(7, 'empty')))).toEqual([]);
      expect(arr(await s.get('data', k(7, new Uint8Array(0))))).toEqual([...text('empty key')]);
    });

    it('does not alias the caller buffer: mutating it after put changes nothing', async () => {
      const v = text('orig');
      await h.store.put('data', k(0, 'x'), v);
      v[0] = 0;
      expect(arr(await h.store.get('data', k(0, 'x')))).toEqual([...text('orig')]);
    });

    it('keeps namespaces and partitions isolated, even when one name prefixes another', async () => {
      const s = h.store;
      await s.put('a', k(1, 'k'), text('a1'));
      await s.put('ab', k(1, 'k'), text('ab1'));
      await s.put('a', k(2, 'k'), text('a2'));
      expect(arr(await s.get('a', k(1, 'k')))).toEqual([...text('a1')]);
      expect(arr(await s.get('ab', k(1, 'k')))).toEqual([...text('ab1')]);
      expect(arr(await s.get('a', k(2, 'k')))).toEqual([...text('a2')]);
      expect(await s.get('b', k(1, 'k'))).toBeUndefined();
      await s.delete('a', k(1, 'k'));
      expect(arr(await s.get('ab', k(1, 'k')))).toEqual([...text('ab1')]);
      expect((await collect(s.iterate('a'))).map(([p]) => p)).toEqual([2]);
    });

    it('applies a batch as a whole, later ops winning on the same key', async () => {
      const s = h.store;
      await s.put('data', k(0, 'gone'), text('x'));
      await s.batch([
        { type: 'put', ns: 'data', key: k(0, 'a'), value: text('1') },
        { type: 'put', ns: 'hints', key: k(3, 'b'), value: text('2') },
        { type: 'del', ns: 'data', key: k(0, 'gone') },
        { type: 'put', ns: 'data', key: k(0, 'c'), value: text('first') },
        { type: 'put', ns: 'data', key: k(0, 'c'), value: text('last') },
      ]);
      expect(arr(await s.get('data', k(0, 'a')))).toEqual([...text('1')]);
      expect(arr(await s.get('hints', k(3, 'b')))).toEqual([...text('2')]);
      expect(await s.get('data', k(0, 'gone'))).toBeUndefined();
      expect(arr(await s.get('data', k(0, 'c')))).toEqual([...text('last')]);
      await s.batch([]);
    });

    it('rejects a batch with an invalid op and writes none of it', async () => {
      const ops: BatchOp[] = [
        { type: 'put', ns: 'data', key: k(0, 'ok'), value: text('1') },
        { type: 'put', ns: 'data', key: k(0, new Uint8Array(MAX_KEY_BYTES + 1)), value: text('2') },
      ];
      await expectCode(h.store.batch(ops), 'invalid-argument');
      expect(await h.store.get('data', k(0, 'ok'))).toBeUndefined();
    });

    it('never lets a reader observe part of a batch', async () => {
      const s = h.store;
      const keys = Array.from({ length: 20 }, (_, i) => k(5, `k${String(i).padStart(2, '0')}`));
      const writes: Promise<void>[] = [];
      for (let round = 1; round <= 5; round++) {
        writes.push(
          s.batch(keys.map((key) => ({ type: 'put', ns: 'data', key, value: Uint8Array.of(round) }))),
        );
      }
      // Scans running alongside the batches must each see one round for every key, or no key at all.
      const scans: Promise<[number, number[], number[]][]>[] = [];
      for (let i = 0; i < 5; i++) scans.push(collect(s.iterate('data', { partition: 5 })));
      await Promise.all(writes);
      for (const seen of await Promise.all(scans)) {
        expect([0, keys.length]).toContain(seen.length);
        expect(new Set(seen.map(([, , v]) => v[0])).size).toBeLessThanOrEqual(1);
      }
      const final = await collect(s.iterate('data', { partition: 5 }));
      expect(final.map(([, , v]) => v[0])).toEqual(keys.map(() => 5));
    });

    it('iterates exactly one partition in key byte order, with prefix and range bounds', async () => {
      const s = h.store;
      // Neighbouring partitions and a partition id with the high bit set guard the u32 BE layout.
      for (const p of [0, 1, 2, 0xffff_ffff]) {
        for (const key of ['b', 'a', 'ab', 'c', '\u00ff'])
          await s.put('data', k(p, key), text(`${p}:${key}`));
      }
      await s.put('other', k(1, 'a'), text('x'));
      const keysOf = async (it: AsyncIterable<readonly [StoreKey, Uint8Array]>): Promise<string[]> =>
        (await collect(it)).map(([p, key]) => `${p}:${new TextDecoder().decode(Uint8Array.from(key))}`);
      expect(await keysOf(s.iterate('data', { partition: 1 }))).toEqual([
        '1:a',
        '1:ab',
        '1:b',
        '1:c',
        '1:\u00ff',
      ]);
      expect(await keysOf(s.iterate('data', { partition: 0xffff_ffff }))).toHaveLength(5);
      expect(await keysOf(s.iterate('data', { partition: 1, prefix: text('a') }))).toEqual(['1:a', '1:ab']);
      expect(await keysOf(s.iterate('data', { partition: 2, gte: text('ab'), lt: text('c') }))).toEqual([
        '2:ab',
        '2:b',
      ]);
      expect(await keysOf(s.iterate('data', { partition: 3 }))).toEqual([]);
      const all = await collect(s.iterate('data'));
      expect(all.map(([p]) => p)).toEqual([
        0,
        0,
        0,
        0,
        0,
        1,
        1,
        1,
        1,
        1,
        2,
        2,
        2,
        2,
        2,
        ...Array(5).fill(0xffff_ffff),
      ]);
      const values = (await collect(s.iterate('data', { partition: 2, prefix: text('c') }))).map(
        ([, , v]) => v,
      );
      expect(values).toEqual([[...text('2:c')]]);
    });

    it('rejects bad namespaces, partitions and oversized keys with invalid-argument', async () => {
      const s = h.store;
      await expectCode(s.put('', k(0, 'a'), text('x')), 'invalid-argument');
      await expectCode(s.put('n'.repeat(256), k(0, 'a'), text('x')), 'invalid-argument');
      await expectCode(s.get('data', k(-1, 'a')), 'invalid-argument');
      await expectCode(s.get('data', k(2 ** 32, 'a')), 'invalid-argument');
      await expectCode(s.get('data', k(1.5, 'a')), 'invalid-argument');
      await expectCode(s.put('data', k(0, new Uint8Array(MAX_KEY_BYTES + 1)), text('x')), 'invalid-argument');
      await s.put('data', k(0, new Uint8Array(MAX_KEY_BYTES).fill(0xff)), text('max'));
      await expectCode(collect(s.iterate('data', { partition: -3 })), 'invalid-argument');
    });

    it('rejects every operation after close with code "closed", and close is idempotent', async () => {
      const s = h.store;
      await s.put('data', k(0, 'a'), text('x'));
      await s.close();
      await s.close();
      await expectCode(s.get('data', k(0, 'a')), 'closed');
      await expectCode(s.put('data', k(0, 'a'), text('y')), 'closed');
      await expectCode(s.delete('data', k(0, 'a')), 'closed');
      await expectCode(s.batch([{ type: 'del', ns: 'data', key: k(0, 'a') }]), 'closed');
      await expectCode(collect(s.iterate('data')), 'closed');
    });

    it('lets writes already in flight finish when close is called', async () => {
      const s = h.store;
      const writes = Array.from({ length: 10 }, (_, i) => s.put('data', k(0, `w${i}`), text('v')));
      await s.close();
      await Promise.all(writes);
    });

    it('keeps acknowledged data across close and reopen (durable engines)', async () => {
      if (h.reopen === undefined) {
        expect(h.store.durable).toBe(false);
        return;
      }
      expect(h.store.durable).toBe(true);
      await h.store.put('data', k(4, 'kept'), text('v1'));
      await h.store.batch([
        { type: 'put', ns: 'data', key: k(4, 'also'), value: text('v2') },
        { type: 'put', ns: 'hints', key: k(9, 'h'), value: new Uint8Array(0) },
      ]);
      await h.store.put('data', k(4, 'deleted'), text('x'));
      await h.store.delete('data', k(4, 'deleted'));
      await h.store.close();
      const again = await h.reopen();
      opened.push(again);
      expect(await collect(again.iterate('data', { partition: 4 }))).toEqual([
        [4, [...text('also')], [...text('v2')]],
        [4, [...text('kept')], [...text('v1')]],
      ]);
      expect(arr(await again.get('hints', k(9, 'h')))).toEqual([]);
    });

    it('matches a Map model under random sequences of operations (property)', async () => {
      const nsArb = fc.constantFrom('data', 'hints', 'd');
      const keyArb = fc.record({
        partition: fc.constantFrom(0, 1, 2, 0x8000_0000),
        key: fc.uint8Array({ maxLength: 4 }).map((b) => Uint8Array.from(b, (x) => x % 4)),
      });
      const valueArb = fc.uint8Array({ maxLength: 8 });
      const opArb = fc.oneof(
        fc.record({ type: fc.constant('put' as const), ns: nsArb, key: keyArb, value: valueArb }),
        fc.record({ type: fc.constant('del' as const), ns: nsArb, key: keyArb }),
      );
      const stepArb = fc.oneof(
        opArb.map((op) => ({ batch: false, ops: [op] })),
        fc.array(opArb, { maxLength: 6 }).map((ops) => ({ batch: true, ops })),
      );
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(stepArb, { maxLength: 25 }), async (steps) => {
          // One store for all runs (engines are slow to open); each run uses fresh namespaces.
          run++;
          const ns = (n: string): string => `${n}#${run}`;
          const model = new Map<string, { ns: string; p: number; key: number[]; value: number[] }>();
          const id = (n: string, key: StoreKey): string => `${n}|${key.partition}|${key.key.join(',')}`;
          for (const step of steps) {
            const ops: BatchOp[] = step.ops.map((op) => ({ ...op, ns: ns(op.ns) }));
            if (step.batch) await h.store.batch(ops);
            else {
              const op = ops[0]!;
              if (op.type === 'put') await h.store.put(op.ns, op.key, op.value);
              else await h.store.delete(op.ns, op.key);
            }
            for (const op of ops) {
              if (op.type === 'put') {
                model.set(id(op.ns, op.key), {
                  ns: op.ns,
                  p: op.key.partition,
                  key: [...op.key.key],
                  value: [...op.value],
                });
              } else model.delete(id(op.ns, op.key));
            }
          }
          const cmp = (a: number[], b: number[]): number => {
            for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
            return a.length - b.length;
          };
          for (const n of ['data', 'hints', 'd']) {
            const expected = [...model.values()]
              .filter((e) => e.ns === ns(n))
              .sort((a, b) => a.p - b.p || cmp(a.key, b.key))
              .map((e): [number, number[], number[]] => [e.p, e.key, e.value]);
            expect(await collect(h.store.iterate(ns(n)))).toEqual(expected);
            for (const p of [0, 1, 2, 0x8000_0000]) {
              expect(await collect(h.store.iterate(ns(n), { partition: p }))).toEqual(
                expected.filter(([ep]) => ep === p),
              );
            }
            for (const [p, key, value] of expected) {
              expect(arr(await h.store.get(ns(n), { partition: p, key: Uint8Array.from(key) }))).toEqual(
                value,
              );
            }
          }
        }),
        { numRuns: 40 },
      );
    });
  });
}
