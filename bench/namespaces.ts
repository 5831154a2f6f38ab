/**
 * `npm run bench -- namespaces [--namespaces 1000] [--keys 20000]`: memory per namespace and per key (issue
 * #12). A 3-node simulated cluster (N = 3, memory storage, so every node holds every key) in this process:
 * heap after writing one key into each of `--namespaces` namespaces and sweeping anti-entropy on every node,
 * then after `--keys` keys in one namespace. Memory storage keeps the data on the heap too, so "per key"
 * includes the stored record; "per namespace" is what a namespace of one key costs beyond its key.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EMPTY_VV } from '../src/versioning/version-vector.js';
import { KvSimCluster } from '../test/sim/store/kv-cluster.js';
import { arg } from './membership/common.js';
import { environment, formatNumber, table, writeResult } from './report.js';

const enc = new TextEncoder();
const NODES = 3;
const SWEEP_MAX_VIRTUAL_MS = 600_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapBytes(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
}

async function fill(
  c: KvSimCluster,
  count: number,
  nsOf: (i: number) => string,
  keyOf: (i: number) => string,
) {
  const a = c.byName('n0').kv;
  for (let i = 0; i < count; i++) {
    const r = await c.await(
      a.put({ ns: nsOf(i), key: enc.encode(keyOf(i)), value: enc.encode('x'), context: EMPTY_VV }),
    );
    if (r.kind !== 'ok') throw new Error(`write ${i}: ${JSON.stringify(r)}`);
  }
  await c.runUntil(() => false, 2_000);
  for (const node of c.live()) await c.await(node.kv.antiEntropy.sweep(), SWEEP_MAX_VIRTUAL_MS);
}

async function measure(what: 'namespaces' | 'keys', count: number) {
  const c = new KvSimCluster({
    seed: 5,
    kv: { maxNamespaces: count + 10, antiEntropy: { intervalMs: 3_600_000 } },
  });
  await c.startConverged(NODES);
  const base = heapBytes();
  const t0 = performance.now();
  if (what === 'namespaces')
    await fill(
      c,
      count,
      (i) => `ns${i}`,
      () => 'k',
    );
  else
    await fill(
      c,
      count,
      () => 'data',
      (i) => `key-${i}`,
    );
  const wallMs = performance.now() - t0;
  const grown = heapBytes() - base;
  const trees = c.live().reduce((n, node) => n + node.kv.trees.built, 0);
  const swept = c.live().reduce((n, node) => n + node.kv.antiEntropy.convergence().owned, 0);
  return {
    what,
    count,
    heapGrowthBytes: grown,
    bytesPerItemPerNode: grown / count / NODES,
    trees,
    swept,
    wallMs,
  };
}

export async function run(args: string[]): Promise<void> {
  const namespaces = Number(arg(args, '--namespaces') ?? 1000);
  const keys = Number(arg(args, '--keys') ?? 20_000);
  const rows = [await measure('namespaces', namespaces), await measure('keys', keys)];
  const md = [
    `## namespaces — memory per namespace and per key`,
    '',
    `${NODES} simulated nodes in one process, N = 3, memory storage (data on the heap), after one anti-entropy sweep on every node. ${JSON.stringify(environment())}`,
    '',
    table(
      [
        'written',
        'count',
        'heap growth (all nodes)',
        'bytes per item per node',
        'trees held (all nodes)',
        'partitions swept',
      ],
      rows.map((r) => [
        r.what === 'namespaces' ? 'one key in each of N namespaces' : 'N keys in one namespace',
        r.count,
        `${formatNumber(r.heapGrowthBytes / 1024 / 1024)} MiB`,
        Math.round(r.bytesPerItemPerNode),
        r.trees,
        r.swept,
      ]),
    ),
  ].join('\n');
  console.log(md);
  writeResult('namespaces', rows, md);
}
