/**
 * What a load phase sends, shared by the wrk scripts and the Node generators: the API (the store's
 * `/kv/:key` or etcd's v3 JSON gateway), the operation, and the keys — fresh ones for every PUT, the
 * pre-written ones for GET.
 */
import { randomFillSync } from 'node:crypto';

export const VALUE_BYTES = 100;
/** Keys written before the GET phases and read by them. */
export const PREWRITTEN_KEYS = 5000;

export interface LoadTarget {
  readonly api: 'hearsay' | 'etcd';
  readonly op: 'PUT' | 'GET';
  /** HTTP ports on 127.0.0.1, spread over: wrk gives each thread one, the Node generators go round-robin. */
  readonly ports: readonly number[];
  /** hearsay: the path before the key, `/kv/` or `/ns/<ns>/kv/`. */
  readonly pathPrefix: string;
  /** hearsay: `?w=2`, `?r=1`, or ''. */
  readonly query: string;
  /** PUT: keys `<keyPrefix><writer>-<i>`, fresh per request; GET: `<keyPrefix><i mod keyCount>`. */
  readonly keyPrefix: string;
  readonly keyCount: number;
}

/** A 100-byte value of printable random characters (the same in every request of a phase). */
export function benchValue(): string {
  const bytes = randomFillSync(new Uint8Array(VALUE_BYTES));
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

export interface BuiltRequest {
  readonly port: number;
  readonly method: 'PUT' | 'GET' | 'POST';
  readonly path: string;
  readonly body: string | undefined;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** The key of request `i` of writer `writer`: fresh for PUT, one of the pre-written ones for GET. */
export function keyOf(t: LoadTarget, writer: string, i: number): string {
  return t.op === 'PUT' ? `${t.keyPrefix}${writer}-${i}` : `${t.keyPrefix}${i % t.keyCount}`;
}

/** One request of `op` on `key` to `port` in the target's API (the Node generators' twin of the wrk scripts). */
export function requestOf(
  t: LoadTarget,
  op: 'PUT' | 'GET',
  key: string,
  port: number,
  value: string,
): BuiltRequest {
  if (t.api === 'etcd') {
    return op === 'PUT'
      ? {
          port,
          method: 'POST',
          path: '/v3/kv/put',
          body: JSON.stringify({ key: b64(key), value: b64(value) }),
        }
      : { port, method: 'POST', path: '/v3/kv/range', body: JSON.stringify({ key: b64(key) }) };
  }
  const path = `${t.pathPrefix}${encodeURIComponent(key)}${t.query}`;
  return op === 'PUT'
    ? { port, method: 'PUT', path, body: value }
    : { port, method: 'GET', path, body: undefined };
}

/** Request `i` of writer `writer`, round-robin over the target's ports. */
export function buildRequest(t: LoadTarget, writer: string, i: number, value: string): BuiltRequest {
  return requestOf(t, t.op, keyOf(t, writer, i), t.ports[i % t.ports.length] as number, value);
}

/** Nearest-rank percentile (q in [0, 1]) of ascending samples. */
export function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** One phase's outcome, whoever generated the load. */
export interface LoadResult {
  readonly generator: 'wrk' | 'node-closed' | 'node-open';
  /** Successful (2xx) requests. */
  readonly ok: number;
  /** Socket errors, timeouts and, for wrk, requests it counted as failed. */
  readonly errors: number;
  /** Answers with a status outside 2xx (wrk: ≥ 400, as it counts them). */
  readonly non2xx: number;
  readonly elapsedMs: number;
  /** ok per second of the phase. */
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  /** Open loop only: requests sent over MISSED_SLOT_MS after their slot, or never sent (backlog cap). */
  readonly missedSlots?: number;
  /** Open loop only: the latest a request was sent after its slot, ms. */
  readonly maxSendLagMs?: number;
  /** Open loop only: the offered rate and the requests scheduled. */
  readonly offeredRate?: number;
  readonly scheduled?: number;
  /** Node generators: requests sent in the warm-up (inside the measured process time, not counted). */
  readonly warmupSent?: number;
  /** The first few distinct error descriptions. */
  readonly errorSamples: readonly string[];
  /** Threads and connections the generator used. */
  readonly threads?: number;
  readonly connections?: number;
}
