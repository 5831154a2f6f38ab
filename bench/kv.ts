/**
 * `npm run bench -- kv`: end-to-end HTTP throughput and latency of the store, beside a raw node:http
 * hello-world server measured in the same run with the same load generator, so the ratio shows our cost.
 *
 * Setups: a 3-node local cluster in this process (like `hearsay dev`), N=3, with (W,R) in (1,1), (2,2),
 * (3,1); the same in a strict namespace (ABD, docs/consistency.md) with W=R=2; and a 1-node cluster with N=1. Every node stores in lmdb (the durable default) in a fresh temp
 * directory. Each setup has a write phase (PUT distinct keys, 100-byte random values, `?w=W`) and a read
 * phase (GET those keys, `?r=R`), spread round-robin over the nodes' HTTP ports.
 *
 * The raw baseline is re-measured right before each setup and every ratio uses that adjacent measurement,
 * because the load of a shared machine drifts over a run.
 *
 * The load generator runs in a worker thread (this same module, see the bottom of the file) so it does not
 * share the event loop with the servers it measures: `concurrency` requests in flight over a keep-alive
 * node:http Agent, a warm-up that is not counted, then at most `--max-requests` requests or `--duration-ms`
 * per phase, whichever comes first.
 *
 *   npm run bench -- kv [--duration-ms N] [--max-requests N] [--concurrency N] [--warmup N]
 *                       [--setups n3,strict,n1]
 */
import { randomFillSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { KvConfigOverrides } from '../src/node/store-config.js';
import type { HearsayNode } from '../src/node.js';
import { formatNumber, table, writeResult } from './report.js';

const HOST = '127.0.0.1';
const VALUE_BYTES = 100;
/** A request that takes longer than this counts as an error (the store's own default timeout is 5 s). */
const CLIENT_TIMEOUT_MS = 15_000;
/** How long every node may take to see all members alive before the bench gives up. */
const CONVERGE_TIMEOUT_MS = 20_000;
/** Pause between phases, so async replication and read repair of the last one drain before the next. */
const SETTLE_MS = 500;
/** Cap on a raw baseline phase (it is re-measured before every setup, and is fast). */
const RAW_MAX_MS = 3000;
const WORKER_MARK = 'hearsay-bench-kv-load';
/** `--setups`: the 3-node cluster, the same in strict mode, the 1-node cluster. */
const SETUPS: readonly string[] = ['n3', 'strict', 'n1'];

// ---------------------------------------------------------------------------------------------------------
// Load generator (runs in the worker thread)

interface PhaseSpec {
  readonly method: 'PUT' | 'GET';
  readonly ports: readonly number[];
  /** Request i goes to `/kv/<keyPrefix>k<i % keyCount><query>` (PUT: keyCount = maxRequests). */
  readonly keyPrefix: string;
  readonly keyCount: number;
  readonly query: string;
  readonly maxRequests: number;
  readonly durationMs: number;
  readonly concurrency: number;
  readonly warmup: number;
  /** GET: a 2xx body of another length counts as an error. */
  readonly expectBytes?: number;
}

interface PhaseResult {
  /** Measured requests issued (PUT: keys k0..k<issued-1> were written). */
  readonly issued: number;
  readonly ok: number;
  readonly errors: number;
  readonly elapsedMs: number;
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  /**
   * CPU time of the whole process (servers and load generator, all threads) per measured request, in µs:
   * steadier than throughput on a noisy machine; the raw baseline's figure is the load generator's share.
   */
  readonly cpuUsPerOp: number;
  /** The first few distinct error descriptions (status codes, socket errors). */
  readonly errorSamples: readonly string[];
  readonly warmupErrors: number;
}

function send(
  agent: http.Agent,
  port: number,
  method: string,
  path: string,
  body: Uint8Array | undefined,
): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders =
      body === undefined ? {} : { 'content-type': 'application/octet-stream', 'content-length': body.length };
    const req = http.request({ host: HOST, port, method, path, agent, headers }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', reject);
    });
    req.setTimeout(CLIENT_TIMEOUT_MS, () => req.destroy(new Error(`client timeout ${CLIENT_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Nearest-rank percentile of sorted samples. */
function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

async function runPhase(spec: PhaseSpec): Promise<PhaseResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  // A pool of random values; PUT i sends value i mod pool size (random bytes, no per-request RNG cost).
  const values = Array.from({ length: 256 }, () => randomFillSync(new Uint8Array(VALUE_BYTES)));
  const samples = new Set<string>();
  const noteError = (what: string): void => {
    if (samples.size < 5) samples.add(what);
  };
  const one = async (i: number, path: string): Promise<{ ok: boolean; ns: bigint }> => {
    const port = spec.ports[i % spec.ports.length] as number;
    const body = spec.method === 'PUT' ? values[i % values.length] : undefined;
    const t0 = process.hrtime.bigint();
    try {
      const { status, bytes } = await send(agent, port, spec.method, path, body);
      const ns = process.hrtime.bigint() - t0;
      if (status < 200 || status > 299) {
        noteError(`HTTP ${status}`);
        return { ok: false, ns };
      }
      if (spec.expectBytes !== undefined && bytes !== spec.expectBytes) {
        noteError(`${bytes}-byte body`);
        return { ok: false, ns };
      }
      return { ok: true, ns };
    } catch (err) {
      noteError((err as Error).message);
      return { ok: false, ns: process.hrtime.bigint() - t0 };
    }
  };
  const pathOf = (i: number, warm: boolean): string =>
    spec.method === 'PUT' && warm
      ? `/kv/${spec.keyPrefix}warm${i}${spec.query}`
      : `/kv/${spec.keyPrefix}k${i % spec.keyCount}${spec.query}`;
  try {
    // Warm-up: connections, JIT; bounded in count and time, not counted.
    let warmNext = 0;
    let warmupErrors = 0;
    const warmEnd = performance.now() + Math.min(2000, spec.durationMs / 2);
    const warmWorker = async (): Promise<void> => {
      while (warmNext < spec.warmup && performance.now() < warmEnd) {
        const i = warmNext++;
        if (!(await one(i, pathOf(i, true))).ok) warmupErrors++;
      }
    };
    await Promise.all(Array.from({ length: spec.concurrency }, warmWorker));
    samples.clear();

    const latMs = new Float64Array(spec.maxRequests);
    let next = 0;
    let ok = 0;
    let errors = 0;
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    const end = start + spec.durationMs;
    const worker = async (): Promise<void> => {
      while (next < spec.maxRequests && performance.now() < end) {
        const i = next++;
        const r = await one(i, pathOf(i, false));
        if (r.ok) latMs[ok++] = Number(r.ns) / 1e6;
        else errors++;
      }
    };
    await Promise.all(Array.from({ length: spec.concurrency }, worker));
    const elapsedMs = performance.now() - start;
    const cpu = process.cpuUsage(cpu0);
    const sorted = latMs.subarray(0, ok).sort();
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      issued: next,
      ok,
      errors,
      elapsedMs,
      opsPerSec: ok / (elapsedMs / 1000),
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      meanMs: ok === 0 ? Number.NaN : sum / ok,
      cpuUsPerOp: next === 0 ? Number.NaN : (cpu.user + cpu.system) / next,
      errorSamples: [...samples],
      warmupErrors,
    };
  } finally {
    agent.destroy();
  }
}

if (!isMainThread && parentPort !== null && workerData === WORKER_MARK) {
  const port = parentPort;
  port.on('message', (spec: PhaseSpec) => {
    runPhase(spec).then(
      (result) => port.postMessage({ ok: true, result }),
      (err: unknown) => port.postMessage({ ok: false, error: String((err as Error)?.stack ?? err) }),
    );
  });
}

// ---------------------------------------------------------------------------------------------------------
// Servers under test (main thread)

class LoadGenerator {
  private readonly worker = new Worker(fileURLToPath(import.meta.url), { workerData: WORKER_MARK });
  private failure: Error | undefined;

  constructor() {
    this.worker.on('error', (err) => {
      this.failure = err;
    });
  }

  run(spec: PhaseSpec): Promise<PhaseResult> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        this.worker.off('message', onMessage);
        reject(err);
      };
      const onMessage = (m: { ok: true; result: PhaseResult } | { ok: false; error: string }): void => {
        this.worker.off('error', onError);
        if (m.ok) resolve(m.result);
        else reject(new Error(`load generator: ${m.error}`));
      };
      this.worker.once('message', onMessage);
      this.worker.once('error', onError);
      this.worker.postMessage(spec);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function numArg(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : Number.NaN;
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

/** The baseline: answers every request 200 "ok" after reading its body. */
async function startRawServer(): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Starts `size` nodes with fresh lmdb directories, waits until all see each other, runs `fn`, cleans up. */
async function withCluster<T>(
  size: number,
  kv: KvConfigOverrides | undefined,
  fn: (nodes: readonly HearsayNode[]) => Promise<T>,
): Promise<T> {
  const { startNode } = await import('../src/node.js');
  const nodes: HearsayNode[] = [];
  const dirs: string[] = [];
  try {
    for (let i = 0; i < size; i++) {
      const dataDir = await mkdtemp(join(tmpdir(), `hearsay-bench-kv-n${size}-`));
      dirs.push(dataDir);
      const seed = nodes[0];
      nodes.push(
        await startNode({
          name: `node${i + 1}`,
          cluster: `bench-kv-${size}`,
          bind: HOST,
          port: 0,
          httpPort: 0,
          zone: '',
          join: seed === undefined ? [] : [seed.address],
          profile: 'local',
          mtuBytes: 1400,
          encrypt: [],
          label: '',
          dataDir,
          ...(kv === undefined ? {} : { kv }),
        }),
      );
    }
    const deadline = performance.now() + CONVERGE_TIMEOUT_MS;
    while (!nodes.every((n) => n.membership.countByState().alive === size)) {
      if (performance.now() > deadline) {
        const seen = nodes.map((n) => n.membership.countByState().alive).join(', ');
        throw new Error(`cluster of ${size} did not converge in ${CONVERGE_TIMEOUT_MS} ms (alive: ${seen})`);
      }
      await sleep(50);
    }
    return await fn(nodes);
  } finally {
    await Promise.allSettled(nodes.map((n) => n.close()));
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  }
}

interface Row extends PhaseResult {
  readonly setup: string;
  readonly n?: number;
  readonly w?: number;
  readonly r?: number;
  readonly op: 'PUT' | 'GET';
  /** The raw server's ops/s for the same method, measured just before this row's setup. */
  readonly rawOpsPerSec: number;
  /** opsPerSec / rawOpsPerSec. */
  readonly vsRaw: number;
}

interface RawRun {
  /** The setup measured right after this baseline. */
  readonly before: string;
  readonly PUT: PhaseResult;
  readonly GET: PhaseResult;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export async function run(args: string[]): Promise<void> {
  const durationMs = numArg(args, '--duration-ms', 8000);
  const maxRequests = numArg(args, '--max-requests', 20_000);
  const concurrency = numArg(args, '--concurrency', 32);
  const warmup = numArg(args, '--warmup', 500);
  const load = { maxRequests, durationMs, concurrency, warmup };
  const setupsArg = args.indexOf('--setups');
  const setups = new Set(setupsArg >= 0 ? (args[setupsArg + 1] ?? '').split(',') : SETUPS);
  const unknownSetups = [...setups].filter((x) => !SETUPS.includes(x));
  if (unknownSetups.length > 0 || setups.size === 0) {
    throw new Error(`--setups takes a comma list of ${SETUPS.join(', ')}; got ${args[setupsArg + 1]}`);
  }
  const rows: Row[] = [];
  const rawRuns: RawRun[] = [];
  const startedAt = performance.now();
  /** 1-minute load average before and after: other work on the machine skews every number. */
  const loadBefore = loadavg()[0] ?? Number.NaN;
  const gen = new LoadGenerator();
  let server: Awaited<ReturnType<typeof startRawServer>> | undefined;
  let rawPort = 0;

  const describe = (label: string, x: PhaseResult, ratio?: number): void => {
    const errs = x.errorSamples.length > 0 ? ` (${x.errorSamples.join('; ')})` : '';
    console.log(
      `${label}: ${formatNumber(x.opsPerSec)} ops/s, p50 ${x.p50Ms.toFixed(2)} ms, ` +
        `p99 ${x.p99Ms.toFixed(2)} ms, ${Math.round(x.cpuUsPerOp)} µs CPU/op, ${x.errors} errors${errs}` +
        (ratio === undefined ? '' : `, ${ratio.toFixed(3)}× raw`),
    );
  };

  /**
   * The baseline, re-measured right before each setup so that every ratio compares two measurements taken
   * moments apart (a shared machine's load drifts over a run). Raw phases are capped at RAW_MAX_MS.
   */
  const measureRaw = async (before: string): Promise<RawRun> => {
    const phase = (method: 'PUT' | 'GET'): Promise<PhaseResult> =>
      gen.run({
        ...load,
        durationMs: Math.min(durationMs, RAW_MAX_MS),
        method,
        ports: [rawPort],
        keyPrefix: 'raw-',
        keyCount: maxRequests,
        query: '',
        expectBytes: method === 'GET' ? 2 : undefined,
      });
    const PUT = await phase('PUT');
    describe(`raw node:http PUT (before ${before})`, PUT);
    const GET = await phase('GET');
    describe(`raw node:http GET (before ${before})`, GET);
    const result = { before, PUT, GET };
    rawRuns.push(result);
    return result;
  };

  /** A raw baseline, then a write phase and a read phase of the same keys against `ports`. */
  const writeThenRead = async (
    setup: string,
    ports: readonly number[],
    n: number,
    w: number,
    r: number,
  ): Promise<void> => {
    const baseline = await measureRaw(`${setup} W=${w} R=${r}`);
    const record = (op: 'PUT' | 'GET', x: PhaseResult): void => {
      const rawOpsPerSec = baseline[op].opsPerSec;
      const row: Row = { setup, n, w, r, op, ...x, rawOpsPerSec, vsRaw: x.opsPerSec / rawOpsPerSec };
      rows.push(row);
      describe(`${setup} W=${w} R=${r} ${op}`, x, row.vsRaw);
    };
    const keyPrefix = `n${n}w${w}r${r}-`;
    const put = await gen.run({
      ...load,
      method: 'PUT',
      ports,
      keyPrefix,
      keyCount: maxRequests,
      query: `?w=${w}`,
    });
    record('PUT', put);
    await sleep(SETTLE_MS);
    const get = await gen.run({
      ...load,
      method: 'GET',
      ports,
      keyPrefix,
      keyCount: Math.max(1, put.issued),
      query: `?r=${r}`,
      expectBytes: VALUE_BYTES,
    });
    record('GET', get);
    await sleep(SETTLE_MS);
  };

  try {
    server = await startRawServer();
    rawPort = server.port;
    if (setups.has('n3')) {
      await withCluster(3, undefined, async (nodes) => {
        const ports = nodes.map((x) => x.httpPort);
        for (const [w, r] of [
          [1, 1],
          [2, 2],
          [3, 1],
        ] as const) {
          await writeThenRead('3 nodes, N=3', ports, 3, w, r);
        }
      });
    }

    if (setups.has('strict')) {
      // Every write reads a quorum first and every read writes back (ABD): the price of linearizability.
      await withCluster(
        3,
        { defaults: { n: 3, r: 'quorum', w: 'quorum', strict: true, conflict: 'siblings' } },
        async (nodes) => {
          await writeThenRead(
            '3 nodes, N=3, strict',
            nodes.map((x) => x.httpPort),
            3,
            2,
            2,
          );
        },
      );
    }

    if (setups.has('n1'))
      await withCluster(
        1,
        { defaults: { n: 1, r: 'one', w: 'one', strict: false, conflict: 'siblings' } },
        async (nodes) => {
          await writeThenRead(
            '1 node, N=1',
            nodes.map((x) => x.httpPort),
            1,
            1,
            1,
          );
        },
      );
  } finally {
    await server?.close();
    await gen.close();
  }
  const totalS = (performance.now() - startedAt) / 1000;
  const loadAfter = loadavg()[0] ?? Number.NaN;
  console.log(`total ${totalS.toFixed(1)} s`);

  const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '–');
  const cpu = cpus();
  const md = [
    '## kv',
    '',
    `End-to-end HTTP API: \`PUT /kv/:key?w=W\` (distinct keys, ${VALUE_BYTES}-byte random values) ` +
      `then \`GET /kv/:key?r=R\` of the same keys, round-robin over the nodes' HTTP ports, beside a ` +
      'raw `node:http` server answering 200 "ok" (after reading the body), measured in the same run ' +
      `with the same load generator: ${concurrency} requests in flight over a keep-alive \`node:http\` ` +
      `Agent, from a worker thread; ${warmup} warm-up requests not counted; then at most ` +
      `${maxRequests.toLocaleString('en-US')} requests or ${durationMs / 1000} s per phase. All nodes ` +
      'run in this process (like `hearsay dev`, profile `local`) on lmdb (durable, synced commits) in ' +
      "fresh temp directories; the 3-node cluster's nodes share one event loop, so its numbers are a " +
      'floor for 3 separate machines. Latencies are per successful request; any non-2xx answer (or a ' +
      'GET body that is not the value) is an error. "vs raw http" = ops/s over the raw server\'s ops/s ' +
      'for the same method measured right before that setup (the baseline is re-measured before each ' +
      `setup, at most ${RAW_MAX_MS / 1000} s per phase, because a shared machine's load drifts over a ` +
      'run; the raw rows show the median). Noise is large on a loaded machine (see the load average).',
    '',
    table(
      ['setup', 'W', 'R', 'op', 'ops/s', 'p50 ms', 'p99 ms', 'CPU µs/op', 'errors', 'vs raw http'],
      [
        ...(['PUT', 'GET'] as const).map((op) => [
          `raw node:http (median of ${rawRuns.length})`,
          '–',
          '–',
          op,
          median(rawRuns.map((x) => x[op].opsPerSec)),
          ms(median(rawRuns.map((x) => x[op].p50Ms))),
          ms(median(rawRuns.map((x) => x[op].p99Ms))),
          Math.round(median(rawRuns.map((x) => x[op].cpuUsPerOp))),
          rawRuns.reduce((sum, x) => sum + x[op].errors, 0),
          '1×',
        ]),
        ...rows.map((x) => [
          x.setup,
          x.w ?? '–',
          x.r ?? '–',
          x.op,
          x.opsPerSec,
          ms(x.p50Ms),
          ms(x.p99Ms),
          Math.round(x.cpuUsPerOp),
          x.errors,
          `${x.vsRaw.toFixed(3)}×`,
        ]),
      ],
    ),
    '',
    'Storage engine micro-benchmarks (memory, lmdb, level): see `npm run bench -- storage`.',
    '',
    `Environment: Node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}; ` +
      `1-minute load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after; ` +
      `whole run ${totalS.toFixed(0)} s. Raw numbers: \`bench/results/kv.json\`.`,
    '',
    'Reproduce: `npm run bench -- kv [--duration-ms N] [--max-requests N] [--concurrency N] [--warmup N] ' +
      '[--setups n3,strict,n1]`.',
  ].join('\n');
  writeResult(
    'kv',
    {
      config: {
        valueBytes: VALUE_BYTES,
        concurrency,
        warmup,
        maxRequests,
        durationMs,
        clientTimeoutMs: CLIENT_TIMEOUT_MS,
        settleMs: SETTLE_MS,
        storage: 'lmdb',
        profile: 'local',
        command: 'npm run bench -- kv',
        args,
      },
      machine: {
        cpus: cpu.length,
        cpuModel: cpu[0]?.model ?? 'unknown',
        node: process.version,
        loadAverage1m: { before: loadBefore, after: loadAfter },
      },
      totalSeconds: totalS,
      rows,
      rawRuns,
    },
    md,
  );
}
