/**
 * The Node load generators (node:http, keep-alive agents):
 *
 * - closed loop (`runClosedLoop`): `connections` requests in flight, each sent when the last one answered —
 *   the old generator of this bench, run in a worker thread of the bench process. Used for the "is the
 *   generator the ceiling?" comparison on the raw server, and as the fallback when wrk is unavailable.
 * - open loop (`runOpenLoop`): requests scheduled at a fixed offered rate in a child process of its own;
 *   each latency is measured from the request's *intended* send time, so a stalled server is charged for
 *   the requests that queue behind the stall (no coordinated omission). A request sent more than
 *   MISSED_SLOT_MS after its slot (the generator fell behind) counts as a missed slot.
 */
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { spawnChild, stopChildren, waitForOutput } from './proc.js';
import {
  type BuiltRequest,
  benchValue,
  buildRequest,
  type LoadResult,
  type LoadTarget,
  percentile,
  requestOf,
} from './target.js';

const HOST = '127.0.0.1';
/** A request without an answer after this long is an error. */
const CLIENT_TIMEOUT_MS = 15_000;
/** An open-loop request sent later than this after its slot is a missed slot. */
export const MISSED_SLOT_MS = 2;
/** Open loop: at most this many requests in flight; a slot that finds the backlog full is missed, not sent. */
const MAX_BACKLOG = 5000;
/** Open loop: after the last slot, wait at most this long for answers. */
const DRAIN_MS = 5000;
const WORKER_MARK = 'hearsay-bench-kv-closed-loop';
const OPEN_MARK = 'open-loop';
const JSON_MARK = 'OPEN_LOOP_JSON ';

export interface ClosedSpec {
  readonly target: LoadTarget;
  readonly durationMs: number;
  readonly connections: number;
  /** Warm-up before counting, ms. */
  readonly warmupMs: number;
}

export interface OpenSpec {
  readonly target: LoadTarget;
  readonly durationMs: number;
  /** Offered requests per second. */
  readonly rate: number;
  readonly warmupMs: number;
}

type Outcome = { ok: true } | { ok: false; non2xx: boolean; what: string };

/** One request; resolves with its status and body, or an error message (never rejects). */
function httpOnce(
  agent: http.Agent,
  r: BuiltRequest,
): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const headers: http.OutgoingHttpHeaders =
      r.body === undefined ? {} : { 'content-length': Buffer.byteLength(r.body) };
    if (r.method === 'POST') headers['content-type'] = 'application/json';
    const req = http.request(
      { host: HOST, port: r.port, method: r.method, path: r.path, agent, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', (err) => resolve({ error: err.message }));
      },
    );
    req.setTimeout(CLIENT_TIMEOUT_MS, () => req.destroy(new Error(`client timeout ${CLIENT_TIMEOUT_MS} ms`)));
    req.on('error', (err) => resolve({ error: err.message }));
    req.end(r.body);
  });
}

function outcome(a: { status: number } | { error: string }): Outcome {
  if ('error' in a) return { ok: false, non2xx: false, what: a.error };
  return a.status >= 200 && a.status < 300
    ? { ok: true }
    : { ok: false, non2xx: true, what: `HTTP ${a.status}` };
}

function sender(target: LoadTarget, maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const value = benchValue();
  const writer = `g${process.pid}${Math.floor(Math.random() * 1e6)}`;
  const send = async (i: number): Promise<Outcome> =>
    outcome(await httpOnce(agent, buildRequest(target, writer, i, value)));
  return { send, close: () => agent.destroy() };
}

/**
 * Writes keys `<keyPrefix>0 … <keyPrefix><count-1>` through the target's API and query (give it a W that
 * reaches every replica, so that R=1 reads find them), `concurrency` at a time, then reads a sample back
 * from every port. Throws when a write fails or a read does not find its key.
 */
export async function prewrite(target: LoadTarget, count: number, concurrency = 32): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const value = benchValue();
  const start = performance.now();
  try {
    let next = 0;
    const failures: string[] = [];
    const loop = async (): Promise<void> => {
      while (next < count && failures.length === 0) {
        const i = next++;
        const port = target.ports[i % target.ports.length] as number;
        const o = outcome(
          await httpOnce(agent, requestOf(target, 'PUT', `${target.keyPrefix}${i}`, port, value)),
        );
        if (!o.ok) failures.push(`PUT ${target.keyPrefix}${i}: ${o.what}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, loop));
    if (failures.length > 0) throw new Error(`pre-writing ${count} keys failed: ${failures[0]}`);
    const readBack = { ...target, query: '' };
    for (const port of target.ports) {
      for (let i = 0; i < count; i += Math.max(1, Math.floor(count / 10))) {
        const a = await httpOnce(agent, requestOf(readBack, 'GET', `${target.keyPrefix}${i}`, port, value));
        const found =
          'body' in a &&
          a.status === 200 &&
          (target.api === 'etcd' ? a.body.includes('"kvs"') : a.body.length === value.length);
        if (!found) throw new Error(`pre-written key ${target.keyPrefix}${i} not read back on port ${port}`);
      }
    }
    return performance.now() - start;
  } finally {
    agent.destroy();
  }
}

class Tally {
  ok = 0;
  errors = 0;
  non2xx = 0;
  readonly samples = new Set<string>();
  readonly lat: Float64Array;
  constructor(capacity: number) {
    this.lat = new Float64Array(capacity);
  }
  note(o: Outcome, ms: number): void {
    if (o.ok) {
      if (this.ok < this.lat.length) this.lat[this.ok] = ms;
      this.ok++;
      return;
    }
    if (o.non2xx) this.non2xx++;
    else this.errors++;
    if (this.samples.size < 5) this.samples.add(o.what);
  }
  result(generator: LoadResult['generator'], elapsedMs: number, extra: Partial<LoadResult> = {}): LoadResult {
    const sorted = this.lat.subarray(0, Math.min(this.ok, this.lat.length)).sort();
    return {
      generator,
      ok: this.ok,
      errors: this.errors,
      non2xx: this.non2xx,
      elapsedMs,
      opsPerSec: this.ok / (elapsedMs / 1000),
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      p999Ms: percentile(sorted, 0.999),
      errorSamples: [...this.samples],
      ...extra,
    };
  }
}

/** The closed loop itself (in the worker thread). */
async function closedLoop(spec: ClosedSpec): Promise<LoadResult> {
  const s = sender(spec.target, spec.connections);
  try {
    let next = 0;
    const loop = async (until: number, tally: Tally | undefined): Promise<void> => {
      while (performance.now() < until) {
        const i = next++;
        const t0 = performance.now();
        const o = await s.send(i);
        tally?.note(o, performance.now() - t0);
      }
    };
    const warmEnd = performance.now() + spec.warmupMs;
    await Promise.all(Array.from({ length: spec.connections }, () => loop(warmEnd, undefined)));
    const warmupSent = next;
    const tally = new Tally(4_000_000);
    const start = performance.now();
    await Promise.all(Array.from({ length: spec.connections }, () => loop(start + spec.durationMs, tally)));
    return tally.result('node-closed', performance.now() - start, {
      threads: 1,
      connections: spec.connections,
      warmupSent,
    });
  } finally {
    s.close();
  }
}

/** The open loop itself (in the child process). */
async function openLoop(spec: OpenSpec): Promise<LoadResult> {
  const s = sender(spec.target, 256);
  const intervalMs = 1000 / spec.rate;
  const warmSlots = Math.floor(spec.warmupMs / intervalMs);
  const slots = warmSlots + Math.floor(spec.durationMs / intervalMs);
  const tally = new Tally(slots - warmSlots);
  let inFlight = 0;
  let missed = 0;
  let next = 0;
  let lastDone = 0;
  let maxLagMs = 0;
  const t0 = performance.now() + 20;
  const measuredStart = t0 + warmSlots * intervalMs;
  const fire = (i: number, intended: number, counted: boolean): void => {
    inFlight++;
    void s.send(i).then((o) => {
      inFlight--;
      const now = performance.now();
      if (!counted) return;
      tally.note(o, now - intended);
      lastDone = now;
    });
  };
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (next < slots) {
        const intended = t0 + next * intervalMs;
        if (intended > now) break;
        const counted = next >= warmSlots;
        if (inFlight >= MAX_BACKLOG) {
          if (counted) missed++;
        } else {
          if (counted && now - intended > MISSED_SLOT_MS) missed++;
          if (counted) maxLagMs = Math.max(maxLagMs, now - intended);
          fire(next, intended, counted);
        }
        next++;
      }
      if (next >= slots) resolve();
      else setTimeout(tick, Math.max(0, t0 + next * intervalMs - performance.now()));
    };
    setTimeout(tick, Math.max(0, t0 - performance.now()));
  });
  const lastSlot = t0 + slots * intervalMs;
  const drainEnd = performance.now() + DRAIN_MS;
  while (inFlight > 0 && performance.now() < drainEnd) await new Promise((r) => setTimeout(r, 5));
  const unanswered = inFlight;
  s.close();
  // Achieved rate: answers over the time from the first measured slot to the last answer (or slot).
  const result = tally.result('node-open', Math.max(lastSlot, lastDone) - measuredStart, {
    maxSendLagMs: maxLagMs,
    missedSlots: missed,
    offeredRate: spec.rate,
    scheduled: slots - warmSlots,
    connections: 256,
    threads: 1,
    warmupSent: warmSlots,
  });
  return { ...result, errors: result.errors + unanswered };
}

// ---------------------------------------------------------------------------------------------------------
// Entry points: the worker thread, the child process, and what the bench calls.

if (!isMainThread && parentPort !== null && (workerData as { mark?: string })?.mark === WORKER_MARK) {
  const port = parentPort;
  closedLoop((workerData as { spec: ClosedSpec }).spec).then(
    (result) => port.postMessage({ ok: true, result }),
    (err: unknown) => port.postMessage({ ok: false, error: String((err as Error)?.stack ?? err) }),
  );
}

if (isMainThread && process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === OPEN_MARK) {
  openLoop(JSON.parse(process.argv[3] ?? '{}') as OpenSpec).then(
    (r) => console.log(`${JSON_MARK}${JSON.stringify(r)}`),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

/** The closed-loop Node generator in a worker thread of this process (the old generator of this bench). */
export function runClosedLoop(spec: ClosedSpec): Promise<LoadResult> {
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { mark: WORKER_MARK, spec } });
  return new Promise<LoadResult>((resolve, reject) => {
    worker.once('message', (m: { ok: true; result: LoadResult } | { ok: false; error: string }) => {
      if (m.ok) resolve(m.result);
      else reject(new Error(`closed-loop generator: ${m.error}`));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`closed-loop generator exited with ${code}`)));
  }).finally(() => void worker.terminate());
}

/** The open-loop generator in a child process; resolves with its result. */
export async function runOpenLoop(spec: OpenSpec): Promise<LoadResult> {
  const child = spawnChild('open-loop generator', process.execPath, [
    fileURLToPath(import.meta.url),
    OPEN_MARK,
    JSON.stringify(spec),
  ]);
  const budget = spec.warmupMs + spec.durationMs + DRAIN_MS + 15_000;
  try {
    const m = await waitForOutput(child, new RegExp(`${JSON_MARK}(\\{.*\\})`), budget);
    await child.exited;
    return JSON.parse(m[1] as string) as LoadResult;
  } finally {
    await stopChildren([child]);
  }
}
