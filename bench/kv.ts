/**
 * `npm run bench -- kv`: end-to-end HTTP throughput, latency and CPU per operation of the store, beside a raw
 * node:http server and a 3-member etcd cluster measured in the same run with the same load generator (the
 * method is written out in bench/kv/report.ts, which also writes the BENCHMARKS.md section).
 *
 * Setups (`--setups`, comma list): raw (the node:http server, with wrk and with the old node:http
 * generator), n1 (1 agent, N=1), n3 (3 agents, N=3: PUT w=1, w=2, GET r=1, r=2), strict (the same cluster's
 * strict namespace, W=R=2; not in the default list), etcd (3 members: PUT, linearizable GET), open (open-loop
 * rows at `--rate` for n3 PUT w=2 / GET r=2 and for etcd). Default: raw,n1,n3,etcd,open.
 *
 *   npm run bench -- kv [--duration-ms N] [--connections N] [--threads N] [--rate N]
 *                       [--setups raw,n1,n3,strict,etcd,open] [--in-process] [--no-etcd]
 *
 * Modules: bench/kv/agents.ts (the agents), etcd.ts (the peer), wrk.ts (wrk and its Lua scripts),
 * node-load.ts (the Node generators: closed loop, open loop, pre-writes), raw-server.ts, proc.ts (children,
 * temp dirs, CPU time from /proc), install.ts (apt-get on demand), report.ts.
 */
import { cpus, loadavg } from 'node:os';
import type { KvConfigOverrides } from '../src/node/store-config.js';
import { type Cluster, startCluster } from './kv/agents.js';
import { findEtcd, startEtcd } from './kv/etcd.js';
import { ensureDebianBinary } from './kv/install.js';
import { prewrite, runClosedLoop, runOpenLoop } from './kv/node-load.js';
import {
  cleanupAll,
  clockTicksPerSecond,
  cpuMicrosOf,
  machineCpuMicros,
  removeDir,
  sleep,
  stopChildren,
  tempDir,
} from './kv/proc.js';
import { startRawServer } from './kv/raw-server.js';
import { closedTable, describe, fillRatios, openTable, type Row, writeKvResult } from './kv/report.js';
import { type LoadResult, type LoadTarget, PREWRITTEN_KEYS } from './kv/target.js';
import { runWrk } from './kv/wrk.js';

const SETUPS = ['raw', 'n1', 'n3', 'strict', 'etcd', 'open'] as const;
type Setup = (typeof SETUPS)[number];
const DEFAULT_SETUPS: readonly Setup[] = ['raw', 'n1', 'n3', 'etcd', 'open'];
/** Pause between phases, so replication and read repair of the last one drain before the next. */
const SETTLE_MS = 500;
const WARMUP_MS = 1000;

function numArg(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} takes a positive integer, got ${args[i + 1]}`);
  return v;
}

function parseSetups(args: readonly string[]): Set<Setup> {
  const i = args.indexOf('--setups');
  const list = i >= 0 ? (args[i + 1] ?? '').split(',').filter((s) => s !== '') : DEFAULT_SETUPS;
  const bad = list.filter((s) => !(SETUPS as readonly string[]).includes(s));
  if (bad.length > 0 || list.length === 0) {
    throw new Error(`--setups takes a comma list of ${SETUPS.join(', ')}; got ${args[i + 1]}`);
  }
  const setups = new Set(list as Setup[]);
  if (args.includes('--no-etcd')) setups.delete('etcd');
  return setups;
}

export async function run(args: string[]): Promise<void> {
  const durationMs = numArg(args, '--duration-ms', 10_000);
  const connections = numArg(args, '--connections', 32);
  const threads = numArg(args, '--threads', 2);
  const rate = numArg(args, '--rate', 2000);
  const inProcess = args.includes('--in-process');
  const setups = parseSetups(args);
  const startedAt = performance.now();
  const loadBefore = loadavg()[0] ?? Number.NaN;
  const rows: Row[] = [];
  const notes: string[] = [];
  let phase = 0;

  const wrk = ensureDebianBinary('wrk', 'wrk');
  if (wrk === undefined) {
    const warning =
      'WARNING: wrk is unavailable, so the closed-loop phases use the node:http generator (a worker thread of ' +
      'the bench), which tops out far below a raw node:http server: every ratio to the raw server may be capped.';
    console.log(`kv: ${warning}`);
    notes.push(warning);
  }
  let etcdVersion = 'etcd not run';
  const scripts = tempDir('hearsay-bench-kv-wrk-');

  /** Closed-loop load on `target` for `ms` with wrk (or, without it, the node:http generator). */
  const closed = (target: LoadTarget, ms: number): Promise<LoadResult> =>
    wrk === undefined
      ? runClosedLoop({ target, durationMs: ms, connections, warmupMs: 0 })
      : runWrk({ wrk, target, durationMs: ms, threads, connections, dir: scripts, phaseId: `p${++phase}` });

  /** Runs `load`, reading the CPU time of `pids` around it, and records the row. */
  const measure = async (
    base: Omit<Row, 'result' | 'cpuUs' | 'cpuSysUs' | 'cpuUsPerOp' | 'cores' | 'machineCores'>,
    pids: readonly number[],
    load: () => Promise<LoadResult>,
  ): Promise<Row> => {
    const c0 = cpuMicrosOf(pids);
    const m0 = machineCpuMicros();
    const t0 = performance.now();
    const result = await load();
    const wallMs = performance.now() - t0;
    const c1 = cpuMicrosOf(pids);
    const cpuSysUs = c1.sys - c0.sys;
    const cpuUs = c1.user - c0.user + cpuSysUs;
    const m1 = machineCpuMicros();
    const machineCores = (m1.busy - m0.busy) / 1000 / wallMs;
    const answered = result.ok + (result.warmupSent ?? 0);
    const row: Row = {
      ...base,
      result,
      cpuUs,
      cpuSysUs,
      cpuUsPerOp: cpuUs / answered,
      cores: cpuUs / 1000 / wallMs,
      machineCores,
    };
    rows.push(row);
    console.log(describe(row));
    await sleep(SETTLE_MS);
    return row;
  };

  const hearsayTarget = (c: Cluster, op: 'PUT' | 'GET', query: string, ns?: string): LoadTarget => ({
    api: 'hearsay',
    op,
    ports: c.httpPorts,
    pathPrefix: ns === undefined ? '/kv/' : `/ns/${ns}/kv/`,
    query,
    keyPrefix: op === 'PUT' ? 'put-' : 'pre-',
    keyCount: PREWRITTEN_KEYS,
  });

  const openLoop = (
    base: Omit<Row, 'result' | 'cpuUs' | 'cpuSysUs' | 'cpuUsPerOp' | 'cores' | 'machineCores' | 'mode'>,
    c: Cluster,
    target: LoadTarget,
  ) =>
    measure({ ...base, mode: 'open' }, c.pids, () =>
      runOpenLoop({
        target: target.op === 'PUT' ? { ...target, keyPrefix: `${target.keyPrefix}ol${++phase}-` } : target,
        durationMs,
        rate,
        warmupMs: WARMUP_MS,
      }),
    );

  /** Warm-up (not recorded), then the PUT rows, the pre-write, the GET rows, the open-loop rows. */
  const hearsaySetup = async (
    setup: string,
    c: Cluster,
    puts: readonly number[],
    gets: readonly number[],
    ns: string | undefined,
    prewriteW: number,
    open: boolean,
  ): Promise<void> => {
    const base = { setup, system: 'hearsay', mode: 'closed' } as const;
    await closed(hearsayTarget(c, 'PUT', `?w=${puts[0]}`, ns), WARMUP_MS);
    for (const w of puts) {
      await measure({ ...base, op: 'PUT', quorum: `w=${w}` }, c.pids, () =>
        closed(hearsayTarget(c, 'PUT', `?w=${w}`, ns), durationMs),
      );
    }
    const pre = await prewrite(
      { ...hearsayTarget(c, 'PUT', `?w=${prewriteW}`, ns), keyPrefix: 'pre-' },
      PREWRITTEN_KEYS,
    );
    console.log(
      `${setup}: pre-wrote ${PREWRITTEN_KEYS} keys (w=${prewriteW}) in ${(pre / 1000).toFixed(1)} s`,
    );
    for (const r of gets) {
      await measure({ ...base, op: 'GET', quorum: `r=${r}` }, c.pids, () =>
        closed(hearsayTarget(c, 'GET', `?r=${r}`, ns), durationMs),
      );
    }
    if (!open) return;
    const w = puts[puts.length - 1] as number;
    const r = gets[gets.length - 1] as number;
    await openLoop(
      { setup, system: 'hearsay', op: 'PUT', quorum: `w=${w}` },
      c,
      hearsayTarget(c, 'PUT', `?w=${w}`, ns),
    );
    await openLoop(
      { setup, system: 'hearsay', op: 'GET', quorum: `r=${r}` },
      c,
      hearsayTarget(c, 'GET', `?r=${r}`, ns),
    );
  };

  const withCluster = async (c: Cluster, fn: (c: Cluster) => Promise<void>): Promise<void> => {
    try {
      await fn(c);
    } finally {
      await c.close();
    }
  };
  const layout = inProcess ? 'in-process' : 'processes';
  const agents = (n: number): string =>
    inProcess ? `hearsay ${n} node${n > 1 ? 's' : ''} in-process` : `hearsay ${n} agent${n > 1 ? 's' : ''}`;
  try {
    if (setups.has('raw')) {
      const raw = await startRawServer();
      try {
        const pids = [raw.child.pid];
        const t = (op: 'PUT' | 'GET'): LoadTarget => ({
          api: 'hearsay',
          op,
          ports: [raw.port],
          pathPrefix: '/kv/',
          query: '',
          keyPrefix: op === 'PUT' ? 'raw-' : 'pre-',
          keyCount: PREWRITTEN_KEYS,
        });
        const base = {
          setup: 'raw node:http (own process)',
          system: 'raw',
          quorum: '',
          mode: 'closed',
        } as const;
        await closed(t('PUT'), WARMUP_MS);
        const put = await measure({ ...base, op: 'PUT' }, pids, () => closed(t('PUT'), durationMs));
        const get = await measure({ ...base, op: 'GET' }, pids, () => closed(t('GET'), durationMs));
        if (wrk !== undefined) {
          // The old generator on the same server: how far below wrk it tops out.
          const node = (op: 'PUT' | 'GET') => () =>
            runClosedLoop({ target: t(op), durationMs, connections, warmupMs: WARMUP_MS });
          const nput = await measure({ ...base, op: 'PUT' }, pids, node('PUT'));
          const nget = await measure({ ...base, op: 'GET' }, pids, node('GET'));
          for (const [op, w, n] of [
            ['PUT', put, nput],
            ['GET', get, nget],
          ] as const) {
            const saturated = w.cores >= 0.85;
            const line =
              `Generator check (${op}, raw server in its own process): wrk ${Math.round(w.result.opsPerSec)} req/s, ` +
              `the server process busy ${w.cores.toFixed(2)} cores (a node:http server uses at most one), the ` +
              `machine ${w.machineCores.toFixed(2)} of ${cpus().length}; the old node:http closed-loop generator ` +
              `(worker thread) on the same server ${Math.round(n.result.opsPerSec)} req/s, ` +
              `${(w.result.opsPerSec / n.result.opsPerSec).toFixed(1)}× less. ` +
              (saturated
                ? 'The server is saturated under wrk: the server, not wrk, is the ceiling.'
                : w.machineCores >= cpus().length - 0.15
                  ? 'WARNING: the server was not saturated because the machine was (other load): raw req/s is a floor.'
                  : 'WARNING: the server was not saturated while the machine had idle CPU: wrk may be the ceiling.');
            console.log(line);
            notes.push(line);
          }
        }
      } finally {
        await stopChildren([raw.child]);
      }
    }

    if (setups.has('n1')) {
      const store: KvConfigOverrides = {
        defaults: { n: 1, r: 'one', w: 'one', strict: false, conflict: 'siblings' },
      };
      await withCluster(await startCluster(1, store, inProcess), (c) =>
        hearsaySetup(`${agents(1)}, N=1`, c, [1], [1], undefined, 1, false),
      );
    }

    if (setups.has('n3') || setups.has('strict') || setups.has('open')) {
      const store: KvConfigOverrides = { namespaces: { lin: { strict: true } } };
      await withCluster(await startCluster(3, store, inProcess), async (c) => {
        if (setups.has('n3') || setups.has('open')) {
          const closedToo = setups.has('n3');
          await hearsaySetup(
            `${agents(3)}, N=3`,
            c,
            closedToo ? [1, 2] : [2],
            closedToo ? [1, 2] : [2],
            undefined,
            3,
            setups.has('open'),
          );
        }
        if (setups.has('strict'))
          await hearsaySetup(`${agents(3)}, N=3, strict`, c, [2], [2], 'lin', 3, false);
      });
    }

    if (setups.has('etcd')) {
      const found = findEtcd();
      if ('missing' in found) {
        const line = `etcd peer skipped: ${found.missing}.`;
        console.log(`kv: ${line}`);
        notes.push(line);
      } else {
        etcdVersion = `etcd ${found.version} (3 members)`;
        console.log(`kv: ${etcdVersion} from ${found.path}`);
        await withCluster(await startEtcd(found.path), async (c) => {
          const t = (op: 'PUT' | 'GET'): LoadTarget => ({
            api: 'etcd',
            op,
            ports: c.httpPorts,
            pathPrefix: '',
            query: '',
            keyPrefix: op === 'PUT' ? 'put-' : 'pre-',
            keyCount: PREWRITTEN_KEYS,
          });
          const base = { setup: 'etcd 3 members (Raft)', system: 'etcd', mode: 'closed' } as const;
          await closed(t('PUT'), WARMUP_MS);
          await measure({ ...base, op: 'PUT', quorum: '' }, c.pids, () => closed(t('PUT'), durationMs));
          const pre = await prewrite({ ...t('PUT'), keyPrefix: 'pre-' }, PREWRITTEN_KEYS);
          console.log(`etcd: pre-wrote ${PREWRITTEN_KEYS} keys in ${(pre / 1000).toFixed(1)} s`);
          await measure({ ...base, op: 'GET', quorum: 'linearizable' }, c.pids, () =>
            closed(t('GET'), durationMs),
          );
          if (setups.has('open')) {
            const ob = { setup: base.setup, system: 'etcd' } as const;
            await openLoop({ ...ob, op: 'PUT', quorum: '' }, c, t('PUT'));
            await openLoop({ ...ob, op: 'GET', quorum: 'linearizable' }, c, t('GET'));
          }
        });
      }
    }
  } finally {
    removeDir(scripts);
    await cleanupAll();
  }

  fillRatios(rows);
  const totalS = (performance.now() - startedAt) / 1000;
  console.log(`total ${totalS.toFixed(1)} s\n`);
  console.log(closedTable(rows));
  if (rows.some((r) => r.mode === 'open')) console.log(`\n${openTable(rows)}\n`);
  writeKvResult(rows, {
    args,
    durationMs,
    threads,
    connections,
    rate,
    generator: wrk === undefined ? 'node:http closed loop (wrk unavailable)' : `wrk (${wrk})`,
    layout,
    etcd: etcdVersion,
    clockTicks: clockTicksPerSecond(),
    loadBefore,
    loadAfter: loadavg()[0] ?? Number.NaN,
    totalS,
    notes,
  });
}
