/**
 * The kv bench's rows, their console lines, the markdown section of BENCHMARKS.md and bench/results/kv.json.
 */
import { cpus } from 'node:os';
import { formatNumber, table, writeResult } from '../report.js';
import { MISSED_SLOT_MS } from './node-load.js';
import type { LoadResult } from './target.js';
import { PREWRITTEN_KEYS, VALUE_BYTES } from './target.js';

export interface Row {
  /** 'raw node:http', 'hearsay 3 agents, N=3', 'etcd 3 members', … */
  readonly setup: string;
  readonly system: 'raw' | 'hearsay' | 'etcd';
  readonly op: 'PUT' | 'GET';
  /** 'w=2', 'r=1', 'linearizable', '' … */
  readonly quorum: string;
  readonly mode: 'closed' | 'open';
  readonly result: LoadResult;
  /** CPU time (user + system) of the system's processes during the phase, µs. */
  readonly cpuUs: number;
  /** The system (kernel) part of cpuUs: syscalls, fsync, loopback networking. */
  readonly cpuSysUs: number;
  /** cpuUs ÷ requests answered (successful ops; open and Node loops: plus their warm-up requests). */
  readonly cpuUsPerOp: number;
  /** Cores the system's processes kept busy on average during the phase. */
  readonly cores: number;
  /** Cores busy machine-wide (everything, also other users' work) on average during the phase. */
  readonly machineCores: number;
  vsRaw?: number;
  vsEtcd?: number;
}

export interface RunInfo {
  readonly args: readonly string[];
  readonly durationMs: number;
  readonly threads: number;
  readonly connections: number;
  readonly rate: number;
  readonly generator: string;
  readonly layout: 'processes' | 'in-process';
  readonly etcd: string;
  readonly clockTicks: number;
  readonly loadBefore: number;
  readonly loadAfter: number;
  readonly totalS: number;
  readonly notes: readonly string[];
}

const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '–');
const ratio = (v: number | undefined): string =>
  v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(2)}×`;
const us = (v: number): string => (Number.isFinite(v) ? String(Math.round(v)) : '–');
/** CPU µs/op with the kernel's share: `410 (62 % sys)`. */
const cpuCell = (r: Row): string =>
  Number.isFinite(r.cpuUsPerOp)
    ? `${us(r.cpuUsPerOp)} (${Math.round((100 * r.cpuSysUs) / r.cpuUs)} % sys)`
    : '–';

/** One console line per measured phase. */
export function describe(row: Row): string {
  const x = row.result;
  const errs = x.errorSamples.length > 0 ? ` (${x.errorSamples.join('; ')})` : '';
  const open =
    row.mode === 'open'
      ? ` offered ${x.offeredRate}/s, missed slots ${x.missedSlots} of ${x.scheduled},`
      : '';
  return (
    `${row.setup} ${row.op}${row.quorum === '' ? '' : ` ${row.quorum}`} [${row.mode === 'open' ? 'open loop' : x.generator}]:` +
    `${open} ${formatNumber(x.opsPerSec)} req/s, p50 ${ms(x.p50Ms)} ms, p99 ${ms(x.p99Ms)} ms, ` +
    `p99.9 ${ms(x.p999Ms)} ms, ${us(row.cpuUsPerOp)} µs CPU/op (${Math.round((100 * row.cpuSysUs) / row.cpuUs)}% system; ${row.cores.toFixed(2)} cores; machine ${row.machineCores.toFixed(2)}), ` +
    `${x.errors} errors, ${x.non2xx} non-2xx${errs}` +
    (row.vsRaw === undefined ? '' : `, ${ratio(row.vsRaw)} raw`) +
    (row.vsEtcd === undefined ? '' : `, ${ratio(row.vsEtcd)} etcd`)
  );
}

/** Fills vsRaw (same op, raw server) and vsEtcd (same op, etcd) of closed rows, each by the same generator. */
export function fillRatios(rows: Row[]): void {
  const base = (system: Row['system'], like: Row): number | undefined =>
    rows.find(
      (r) =>
        r.system === system &&
        r.op === like.op &&
        r.mode === 'closed' &&
        r.result.generator === like.result.generator,
    )?.result.opsPerSec;
  for (const r of rows) {
    if (r.mode !== 'closed') continue;
    const raw = base('raw', r);
    const etcd = base('etcd', r);
    if (r.system !== 'raw' && raw !== undefined) r.vsRaw = r.result.opsPerSec / raw;
    if (r.system === 'hearsay' && etcd !== undefined) r.vsEtcd = r.result.opsPerSec / etcd;
  }
}

export function closedTable(rows: readonly Row[]): string {
  return table(
    [
      'setup',
      'op',
      'quorum',
      'generator',
      'req/s',
      'p50 ms',
      'p99 ms',
      'p99.9 ms',
      'errors',
      'non-2xx',
      'CPU µs/op (sys)',
      'cores',
      'vs raw',
      'vs etcd-3',
    ],
    rows
      .filter((r) => r.mode === 'closed')
      .map((r) => [
        r.setup,
        r.op,
        r.quorum === '' ? '–' : r.quorum,
        r.result.generator === 'node-closed'
          ? 'node:http (closed loop)'
          : `wrk -t${r.result.threads} -c${r.result.connections}`,
        Math.round(r.result.opsPerSec),
        ms(r.result.p50Ms),
        ms(r.result.p99Ms),
        ms(r.result.p999Ms),
        r.result.errors,
        r.result.non2xx,
        cpuCell(r),
        r.cores.toFixed(2),
        ratio(r.vsRaw),
        ratio(r.vsEtcd),
      ]),
  );
}

export function openTable(rows: readonly Row[]): string {
  return table(
    [
      'setup',
      'op',
      'quorum',
      'offered req/s',
      'achieved req/s',
      'p50 ms',
      'p99 ms',
      'p99.9 ms',
      'missed slots',
      'errors',
      'non-2xx',
      'CPU µs/op (sys)',
    ],
    rows
      .filter((r) => r.mode === 'open')
      .map((r) => [
        r.setup,
        r.op,
        r.quorum === '' ? '–' : r.quorum,
        r.result.offeredRate ?? '–',
        Math.round(r.result.opsPerSec),
        ms(r.result.p50Ms),
        ms(r.result.p99Ms),
        ms(r.result.p999Ms),
        `${r.result.missedSlots ?? 0} / ${r.result.scheduled ?? 0}`,
        r.result.errors,
        r.result.non2xx,
        cpuCell(r),
      ]),
  );
}

function method(info: RunInfo): string {
  const seconds = Math.max(1, Math.round(info.durationMs / 1000));
  return [
    'End-to-end HTTP API of hearsay beside a raw `node:http` server and a 3-member etcd cluster, measured in ' +
      `the same run with the same load generator. PUTs write fresh keys (unique per request) with ${VALUE_BYTES}-byte ` +
      `values; GETs read ${PREWRITTEN_KEYS.toLocaleString('en-US')} keys written before the GET phases (hearsay: with ` +
      'W = all replicas, so R=1 finds them). Requests spread over the nodes: each wrk thread talks to one ' +
      'node, threads rounded up to a multiple of the node count.',
    '',
    `- **Generator (closed loop)**: \`wrk\` (C, multi-threaded), \`-t${info.threads} -c${info.connections} ` +
      `-d${seconds}s --latency\` with a generated Lua script per phase (fresh PUT keys, or GET of the ` +
      'pre-written keys; for etcd its v3 JSON gateway, `POST /v3/kv/put` and `POST /v3/kv/range` with base64 ' +
      "keys) whose `done()` prints p50/p99/p99.9 from wrk's latency histogram. Each cluster gets a 1 s warm-up " +
      'run first that is not counted. Errors are socket errors and timeouts; non-2xx is what wrk counts as ' +
      'such (status ≥ 400). A raw phase with the old in-process `node:http` generator (a worker thread of the ' +
      "bench, closed loop) on the same raw server shows the old generator's ceiling; the raw server's busy " +
      'cores under wrk tell whether the server, not wrk, is the limit (one core is all a node:http server ' +
      'uses; see the generator check below).',
    `- **Open loop**: a Node generator in its own process sends at a fixed rate (${info.rate.toLocaleString('en-US')} ` +
      "req/s offered, 1 s warm-up not counted) and measures each latency from the request's *intended* send " +
      'time, so a stall is charged to every request that queues behind it (no coordinated omission). A ' +
      `request sent more than ${MISSED_SLOT_MS} ms after its slot counts as a missed slot (the generator fell ` +
      'behind, e.g. starved of CPU on a busy machine; its latency still counts from the slot). Node timers fire ' +
      'at 1 ms granularity, so up to about 1 ms of each latency is send lag. When the offered rate is above what ' +
      'the system sustains, latency grows with the backlog for the whole phase: such a row says "overloaded", ' +
      'not how slow one request is.',
    '- **Process layout**: every hearsay agent is its own process of the built CLI (`hearsay agent`, profile ' +
      '`local`, 127.0.0.1), store config in a `--config` JSON file, ready when every agent lists all members ' +
      'alive (`GET /cluster/members`); `--in-process` runs the nodes in the bench process instead. The raw ' +
      'server (PUT → 204 after reading the body, GET → 200 with a 100-byte body) is a process of its own. etcd: ' +
      '3 members as processes on 127.0.0.1, static bootstrap (`--initial-cluster`), fresh data directories.',
    '- **Durability**: both sides durable. hearsay stores in lmdb with synced commits (its default); etcd as ' +
      'shipped, fsync on every commit (no `--unsafe-no-fsync`).',
    "- **CPU µs/op**: the sum over the system's processes (the agents; separately the etcd members; the raw " +
      'server) of utime + stime from `/proc/<pid>/stat` (clock ticks, ' +
      `${info.clockTicks}/s here) during the phase, ÷ the requests answered. It includes the nodes' background ` +
      "work (gossip, anti-entropy; a few % of a core at idle) and not the generator's; on a busy shared machine " +
      'it is steadier than req/s, though not independent of load: concurrent requests share syncs and event-loop ' +
      'turns, so µs/op falls as the load a system gets rises. "(sys)" is the kernel\'s share (syscalls, fsync, loopback). ' +
      '"cores" = that CPU time ÷ the phase\'s wall time.',
    "- **Ratios**: req/s over the raw server's (same op, same generator) and over the 3-member etcd's (same op), all from this run.",
  ].join('\n');
}

/** The BENCHMARKS.md section and bench/results/kv.json. */
export function writeKvResult(rows: Row[], info: RunInfo): string {
  const cpu = cpus();
  const md = [
    '## kv',
    '',
    method(info),
    '',
    closedTable(rows),
    '',
    ...(rows.some((r) => r.mode === 'open')
      ? [`Open loop at ${info.rate.toLocaleString('en-US')} req/s offered:`, '', openTable(rows), '']
      : []),
    ...(info.notes.length > 0 ? [...info.notes.map((n) => `- ${n}`), ''] : []),
    `Environment: Node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${info.etcd}; ` +
      `layout ${info.layout}, generator ${info.generator}; 1-minute load average ${info.loadBefore.toFixed(1)} ` +
      `before, ${info.loadAfter.toFixed(1)} after; whole run ${info.totalS.toFixed(0)} s. The machine is shared: ` +
      'req/s and latencies are noisy, CPU µs/op much less so. Raw numbers: `bench/results/kv.json`. Storage ' +
      'engine micro-benchmarks: `npm run bench -- storage`.',
    '',
    'Reproduce: `npm run bench -- kv [--duration-ms N] [--connections N] [--threads N] [--rate N] ' +
      '[--setups raw,n1,n3,strict,etcd,open] [--in-process] [--no-etcd]`.',
  ].join('\n');
  writeResult(
    'kv',
    {
      config: {
        ...info,
        valueBytes: VALUE_BYTES,
        prewrittenKeys: PREWRITTEN_KEYS,
        command: 'npm run bench -- kv',
      },
      machine: { cpus: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown', node: process.version },
      rows,
    },
    md,
  );
  return md;
}
