import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConvergenceReport, PartitionPage } from '../antientropy/anti-entropy.js';
import type { NamespacesReport } from '../coordinator/namespace-settings.js';
import { DEFAULT_REPLICAS, MAX_REPLICAS } from '../coordinator/quorum.js';
import type { MemberState } from '../membership/member.js';
import type { Member } from '../membership/member-events.js';
import type { ForceLeaveResult } from '../membership/member-table.js';
import type { RingDescription } from '../ring/ring.js';
import { type Logger, SILENT_LOGGER } from '../runtime/logger.js';
import { parseAddress } from '../transport/transport.js';
import { handleKvRequest, type KvApi, type KvRouteOptions, matchKvPath, rawPathOf } from './kv-routes.js';
import { intParam, singleParams } from './query-params.js';

/** What the HTTP layer needs from a node: membership views, metrics and (once running) the store. */
export interface HttpBackend {
  members(): readonly Member[];
  /** Operator's force-leave of a failed member (`POST /cluster/force-leave/:name`); absent → 503. */
  forceLeave?(name: string): ForceLeaveResult;
  /** True once the node has joined (or was told to run alone). */
  ready(): boolean;
  metricsText(): Promise<string>;
  readonly metricsContentType: string;
  /** Partition owners for N replicas under the current membership view (`/cluster/ring?n=`). */
  ring(n: number): RingDescription;
  /** The key-value store behind `/kv/:key` and `/ns/:ns/kv/:key`; read per request, absent → 503. */
  readonly kv?: KvApi;
  /** Anti-entropy's view of convergence (`/cluster/convergence`); absent → 503. */
  convergence?(): ConvergenceReport;
  /** A page of per-partition exchanges (`/cluster/convergence?detail=partitions`); absent → 503. */
  convergencePartitions?(offset: number, limit: number): PartitionPage;
  /** Every namespace known here with its effective settings and their sources (`/cluster/namespaces`). */
  namespaces?(): NamespacesReport;
}

export type HttpServerOptions = KvRouteOptions & {
  /** A handler that threw (answered 500, or the connection cut) is logged here at error: it is a bug. */
  readonly logger?: Logger;
};

/** The member shape of DESIGN.md §13: `dead` is shown as `failed`, the HTTP port comes from metadata. */
export function memberJson(m: Member): Record<string, unknown> {
  const addr = parseAddress(m.addr);
  const httpPort = Number(m.meta['http_port'] ?? 0);
  const state: string = m.state === ('dead' satisfies MemberState) ? 'failed' : m.state;
  return {
    name: m.id,
    addr: addr?.host ?? m.addr,
    port: addr?.port ?? 0,
    httpPort,
    zone: m.zone,
    state,
    incarnation: m.incarnation,
    meta: m.meta,
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const FORCE_LEAVE_PREFIX = '/cluster/force-leave/';

const FORCE_LEAVE_ERRORS: Readonly<Record<string, [number, string]>> = {
  'unknown-member': [404, 'no such member'],
  'not-failed': [
    409,
    'member is not failed; force-leave only removes failed members (a live one would refute it)',
  ],
  'already-left': [409, 'member has already left'],
};

/** `POST /cluster/force-leave/:name` (Consul's `force-leave`): a failed member becomes `left` everywhere. */
function forceLeave(backend: HttpBackend, req: IncomingMessage, res: ServerResponse, path: string): void {
  if (req.method !== 'POST') res.setHeader('allow', 'POST');
  const [status, body] = forceLeaveReply(backend, req.method ?? '', path);
  json(res, status, body);
}

function forceLeaveReply(backend: HttpBackend, method: string, path: string): [number, unknown] {
  if (method !== 'POST') return [405, { error: `${method} not allowed on ${path}` }];
  let name: string;
  try {
    name = decodeURIComponent(path.slice(FORCE_LEAVE_PREFIX.length));
  } catch {
    return [400, { error: 'member name is not valid percent-encoding' }];
  }
  if (name === '' || name.includes('/')) return [400, { error: 'expected /cluster/force-leave/:name' }];
  if (backend.forceLeave === undefined) return [503, { error: 'membership not running' }];
  const r = backend.forceLeave(name);
  if (r.ok) return [200, { name, state: 'left' }];
  const [status, message] = FORCE_LEAVE_ERRORS[r.error] ?? [500, r.error];
  return [status, { error: message, name }];
}

/** Pages of `/cluster/convergence?detail=partitions`: 100 partitions unless `?limit=`, at most 1,000. */
export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;

/** JSON has no Infinity: a partition never exchanged makes the oldest age null. */
function ageOrNull(ms: number): number | null {
  return Number.isFinite(ms) ? ms : null;
}

/**
 * `GET /cluster/convergence[?detail=partitions[&limit=&offset=]]`: the summary (totals and one line per
 * namespace); with `detail=partitions` also one page of per-partition exchanges and `next`, the offset of the
 * next page (null on the last).
 */
function convergenceReply(backend: HttpBackend, query: URLSearchParams): [number, unknown] {
  const q = singleParams(query, ['detail', 'limit', 'offset'], '/cluster/convergence');
  if (!q.ok) return [400, { error: q.error }];
  const detail = q.value.get('detail');
  if (detail !== undefined && detail !== 'partitions')
    return [400, { error: `detail must be partitions, got ${JSON.stringify(detail)}` }];
  if (detail === undefined && (q.value.has('limit') || q.value.has('offset')))
    return [400, { error: 'limit and offset apply only with detail=partitions' }];
  const limit = intParam(q.value.get('limit'), 'limit', 1, MAX_PAGE_LIMIT, DEFAULT_PAGE_LIMIT);
  if (!limit.ok) return [400, { error: limit.error }];
  const offset = intParam(q.value.get('offset'), 'offset', 0, Number.MAX_SAFE_INTEGER, 0);
  if (!offset.ok) return [400, { error: offset.error }];
  if (backend.convergence === undefined) return [503, { error: 'store not running' }];
  const r = backend.convergence();
  const summary = {
    ...r,
    oldestExchangeAgeMs: ageOrNull(r.oldestExchangeAgeMs),
    namespaces: r.namespaces.map((n) => ({ ...n, oldestExchangeAgeMs: ageOrNull(n.oldestExchangeAgeMs) })),
  };
  if (detail === undefined) return [200, summary];
  if (backend.convergencePartitions === undefined) return [503, { error: 'store not running' }];
  const page = backend.convergencePartitions(offset.value, limit.value);
  const end = offset.value + page.partitions.length;
  return [200, { ...summary, ...page, next: end < page.total ? end : null }];
}

async function route(
  backend: HttpBackend,
  req: IncomingMessage,
  res: ServerResponse,
  options: HttpServerOptions,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const kvPath = matchKvPath(rawPathOf(req));
  if (kvPath !== undefined) return handleKvRequest(backend.kv, req, res, kvPath, url.searchParams, options);
  const path = url.pathname;
  if (path.startsWith(FORCE_LEAVE_PREFIX)) return forceLeave(backend, req, res, path);
  const routes: Record<string, () => Promise<void> | void> = {
    '/health': () => json(res, 200, { status: 'ok' }),
    '/ready': () =>
      backend.ready() ? json(res, 200, { status: 'ready' }) : json(res, 503, { error: 'not joined yet' }),
    '/cluster/members': () => json(res, 200, { members: backend.members().map(memberJson) }),
    '/cluster/ring': () => {
      const raw = url.searchParams.get('n');
      const n = raw === null ? DEFAULT_REPLICAS : Number(raw);
      if (!(Number.isInteger(n) && n >= 1 && n <= MAX_REPLICAS && (raw === null || /^\d+$/.test(raw)))) {
        return json(res, 400, { error: `n must be an integer in [1, ${MAX_REPLICAS}]` });
      }
      json(res, 200, backend.ring(n));
    },
    '/cluster/convergence': () => json(res, ...convergenceReply(backend, url.searchParams)),
    '/cluster/namespaces': () => {
      if (backend.namespaces === undefined) return json(res, 503, { error: 'store not running' });
      json(res, 200, backend.namespaces());
    },
    '/metrics': async () => {
      const text = await backend.metricsText();
      res.writeHead(200, { 'content-type': backend.metricsContentType });
      res.end(text);
    },
  };
  const handler = routes[path];
  if (handler === undefined) return json(res, 404, { error: `no route ${path}` });
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return json(res, 405, { error: `${req.method} not allowed on ${path}` });
  }
  await handler();
}

/** Starts the HTTP API on host:port (0 = ephemeral) and resolves once listening. */
export async function startHttpServer(
  backend: HttpBackend,
  host: string,
  port: number,
  options: HttpServerOptions = {},
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    route(backend, req, res, options).catch((err: unknown) => {
      (options.logger ?? SILENT_LOGGER).error(
        { err, method: req.method, url: req.url },
        'HTTP handler failed',
      );
      if (!res.headersSent) json(res, 500, { error: (err as Error).message });
      else res.destroy();
    });
  };
  const server = createServer(handle);
  // `Expect: 100-continue` gets its 100 only from a handler about to read the body (the /kv PUT), so an
  // oversized or otherwise refused upload is answered before the client sends it.
  server.on('checkContinue', handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
