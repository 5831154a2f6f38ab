/**
 * `npm run bench -- storage [--keys N] [--duration-ms N]`: put / get / batch throughput of every storage
 * engine and durability (sync, os) with 100-byte values, in one process, next to raw baselines measured in the
 * same run: `writeSync`+`fsyncSync` of 100 bytes per op (what one durable write costs the disk at least)
 * and a `Map` (what an in-memory write costs at least). docs/storage.md explains the choice it supports.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLevelStorage } from '../src/storage/level-storage.js';
import { openLmdbStorage } from '../src/storage/lmdb-storage.js';
import { openMemoryStorage } from '../src/storage/memory-storage.js';
import { type BatchOp, DURABILITIES, type Storage, type StoreKey } from '../src/storage/storage.js';
import { table, writeResult } from './report.js';

const VALUE_BYTES = 100;
const BATCH_SIZE = 100;
/** Concurrent writers: shows whether an engine shares one fsync among writes in flight (group commit). */
const CONCURRENCY = 64;
const PARTITIONS = 64;

function numArg(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : Number.NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const value = Uint8Array.from({ length: VALUE_BYTES }, (_, i) => (i * 7) & 0xff);

/** Key i of a fixed set, spread over partitions the way a ring would. */
function keyOf(i: number): StoreKey {
  const key = new Uint8Array(16);
  new DataView(key.buffer).setUint32(12, i, false);
  return { partition: i % PARTITIONS, key };
}

/** Runs `step` (which reports its op count) until `durationMs` passes; ops/s. */
async function timed(durationMs: number, step: () => Promise<number>): Promise<number> {
  let ops = 0;
  const start = performance.now();
  const end = start + durationMs;
  while (performance.now() < end) ops += await step();
  return ops / ((performance.now() - start) / 1000);
}

interface Row {
  readonly engine: string;
  readonly putSeq: number;
  readonly putConcurrent: number;
  readonly batch: number;
  readonly get: number;
}

async function measure(store: Storage, keys: number, durationMs: number): Promise<Row> {
  let n = 0;
  const putSeq = await timed(durationMs, async () => {
    await store.put('bench', keyOf(n++ % keys), value);
    return 1;
  });
  const putConcurrent = await timed(durationMs, async () => {
    await Promise.all(
      Array.from({ length: CONCURRENCY }, () => store.put('bench', keyOf(n++ % keys), value)),
    );
    return CONCURRENCY;
  });
  const batch = await timed(durationMs, async () => {
    const ops: BatchOp[] = Array.from({ length: BATCH_SIZE }, () => ({
      type: 'put',
      ns: 'bench',
      key: keyOf(n++ % keys),
      value,
    }));
    await store.batch(ops);
    return BATCH_SIZE;
  });
  // Fill every key so gets always hit, then read in a scattered but deterministic order.
  for (let i = 0; i < keys; i += 1000) {
    const ops: BatchOp[] = [];
    for (let j = i; j < Math.min(keys, i + 1000); j++)
      ops.push({ type: 'put', ns: 'bench', key: keyOf(j), value });
    await store.batch(ops);
  }
  let g = 0;
  const get = await timed(durationMs, async () => {
    for (let i = 0; i < 100; i++) {
      g = (g + 7919) % keys;
      if ((await store.get('bench', keyOf(g))) === undefined) throw new Error(`missing key ${g}`);
    }
    return 100;
  });
  return { engine: store.engine, putSeq, putConcurrent, batch, get };
}

/** The disk's floor: one 100-byte append + fsync per write; a batch is one 10 kB append + one fsync. */
async function rawFsync(dir: string, durationMs: number): Promise<Row> {
  const fd = openSync(join(dir, 'raw.log'), 'a');
  try {
    const putSeq = await timed(durationMs, async () => {
      writeSync(fd, value);
      fsyncSync(fd);
      return 1;
    });
    const chunk = new Uint8Array(VALUE_BYTES * BATCH_SIZE);
    const batch = await timed(durationMs, async () => {
      writeSync(fd, chunk);
      fsyncSync(fd);
      return BATCH_SIZE;
    });
    return { engine: 'raw write+fsync', putSeq, putConcurrent: Number.NaN, batch, get: Number.NaN };
  } finally {
    closeSync(fd);
  }
}

/** The memory floor: a Map keyed by the same key bytes (as a string), no layout, no promises. */
async function rawMap(keys: number, durationMs: number): Promise<Row> {
  const m = new Map<string, Uint8Array>();
  const id = (k: StoreKey): string => `${k.partition}:${Buffer.from(k.key).toString('latin1')}`;
  let n = 0;
  const putSeq = await timed(durationMs, async () => {
    for (let i = 0; i < 100; i++) m.set(id(keyOf(n++ % keys)), Uint8Array.from(value));
    return 100;
  });
  for (let i = 0; i < keys; i++) m.set(id(keyOf(i)), value);
  let g = 0;
  const get = await timed(durationMs, async () => {
    for (let i = 0; i < 100; i++) {
      g = (g + 7919) % keys;
      if (m.get(id(keyOf(g))) === undefined) throw new Error('missing');
    }
    return 100;
  });
  return { engine: 'raw Map', putSeq, putConcurrent: Number.NaN, batch: putSeq, get };
}

export async function run(args: string[]): Promise<void> {
  const keys = numArg(args, '--keys', 20_000);
  const durationMs = numArg(args, '--duration-ms', 2000);
  const dir = await mkdtemp(join(tmpdir(), 'hearsay-bench-storage-'));
  const rows: Row[] = [];
  try {
    rows.push(await rawMap(keys, durationMs));
    // Each durable engine once per durability (docs/storage.md): `os` skips the fsync, so the gap is its price.
    const opens: [string, () => Promise<Storage>][] = [['memory', async () => openMemoryStorage()]];
    for (const durability of DURABILITIES) {
      opens.push([
        `lmdb ${durability}`,
        () => openLmdbStorage({ path: join(dir, `lmdb-${durability}`), durability }),
      ]);
      opens.push([
        `level ${durability}`,
        () => openLevelStorage({ path: join(dir, `level-${durability}`), durability }),
      ]);
    }
    for (const [label, open] of opens) {
      const store = await open();
      try {
        rows.push({ ...(await measure(store, keys, durationMs)), engine: label });
      } finally {
        await store.close();
      }
      console.log(rows.at(-1));
    }
    rows.push(await rawFsync(dir, durationMs));
    console.log(rows.at(-1));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const fsync = rows.find((r) => r.engine === 'raw write+fsync')!;
  const map = rows.find((r) => r.engine === 'raw Map')!;
  const ratio = (x: number, base: number): string => (Number.isFinite(x) ? `${(x / base).toFixed(2)}×` : '–');
  const md = [
    `## storage`,
    '',
    `${VALUE_BYTES}-byte values, ${keys.toLocaleString('en-US')} keys over ${PARTITIONS} partitions, ` +
      `${durationMs} ms per measurement, durability \`sync\` (lmdb: synced commits; level: \`sync: true\`) and \`os\` (lmdb: \`noSync\`; level: \`sync: false\`). ` +
      `ops/s; "concurrent" keeps ${CONCURRENCY} puts in flight; "batch" counts records in batches of ${BATCH_SIZE}. ` +
      `Ratios: durable engines vs raw write+fsync, memory vs raw Map. Files in ${tmpdir()}.`,
    '',
    table(
      ['engine', 'put (seq)', 'put (concurrent)', 'batch', 'get', 'put vs raw', 'batch vs raw'],
      rows.map((r) => {
        const base = r.engine === 'memory' || r.engine === 'raw Map' ? map : fsync;
        return [
          r.engine,
          r.putSeq,
          Number.isFinite(r.putConcurrent) ? r.putConcurrent : '–',
          r.batch,
          Number.isFinite(r.get) ? r.get : '–',
          ratio(r.putSeq, base.putSeq),
          ratio(r.batch, base.batch),
        ];
      }),
    ),
    '',
    'Reproduce: `npm run bench -- storage [--keys N] [--duration-ms N]`.',
  ].join('\n');
  writeResult('storage', { keys, durationMs, valueBytes: VALUE_BYTES, batchSize: BATCH_SIZE, rows }, md);
}
