import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KvDeleteResult, KvGetResult, KvInvalidReason, KvStore } from '../node/kv-store.js';
import { decodeContextToken, encodeContextToken } from '../versioning/context-token.js';
import { EMPTY_VV, type VersionVector } from '../versioning/version-vector.js';
import { singleParams } from './query-params.js';

/** All the key API needs from the store: the HTTP layer never sees placement, replicas or storage. */
export type KvApi = Pick<KvStore, 'get' | 'put' | 'delete'>;

/** The largest request body read: one byte over the store's default 1 MiB value limit, so the store answers
 * its own 413 for values just over its limit and nothing much larger is ever held here. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024 + 1;

export const DEFAULT_NAMESPACE = 'default';

export interface KvRouteOptions {
  /** Bodies longer than this are refused with 413 without being read further (default 1 MiB + 1). */
  readonly maxBodyBytes?: number;
}

/** A request target under `/kv/` or `/ns/:ns/kv/`, with its path segments still percent-encoded. */
export interface KvPath {
  /** The raw namespace segment, or undefined for the plain `/kv/` form (namespace `default`). */
  readonly ns: string | undefined;
  /** The raw key segment ('' when missing). */
  readonly key: string;
  /** More segments follow the key (an unencoded `/` in the key). */
  readonly extra: boolean;
}

const ALLOW = 'GET, HEAD, PUT, DELETE';

/** The query parameters each method reads (DESIGN.md §13); any other is a 400. */
export const KV_PARAMS: Readonly<Record<'GET' | 'HEAD' | 'PUT' | 'DELETE', readonly string[]>> = {
  GET: ['r', 'timeout', 'repair'],
  HEAD: ['r', 'timeout', 'repair'],
  PUT: ['w', 'timeout'],
  DELETE: ['r', 'w', 'timeout'],
};
/** The store's refusals as HTTP statuses: this layer alone speaks status codes. */
const INVALID_STATUS: Readonly<Record<KvInvalidReason, number>> = {
  'bad-request': 400,
  'too-large': 413,
  'namespace-limit': 409,
};
const ALL_KV_PARAMS = [...new Set(Object.values(KV_PARAMS).flat())];
const CONTEXT_HEADER = 'x-context';

/**
 * Matches the raw path (not URL-normalized, so keys such as `..` or `%2F` survive) against `/kv[/:key…]`
 * and `/ns/:ns/kv[/:key…]`; undefined for every other path.
 */
export function matchKvPath(rawPath: string): KvPath | undefined {
  const segs = rawPath.split('/');
  if (segs[0] !== '') return undefined;
  if (segs[1] === 'kv') return { ns: undefined, key: segs[2] ?? '', extra: segs.length > 3 };
  if (segs[1] === 'ns' && segs[3] === 'kv') {
    return { ns: segs[2] ?? '', key: segs[4] ?? '', extra: segs.length > 5 };
  }
  return undefined;
}

/** The request target's path as sent, before any dot-segment or percent normalization. */
export function rawPathOf(req: IncomingMessage): string {
  const target = req.url ?? '/';
  if (!target.startsWith('/')) return new URL(target, 'http://localhost').pathname;
  const end = target.search(/[?#]/);
  return end < 0 ? target : target.slice(0, end);
}

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string | number>,
  body: Uint8Array | string,
): void {
  // A 204 carries no body and no content-length.
  res.writeHead(status, status === 204 ? headers : { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(status === 204 ? undefined : body);
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  send(res, status, { 'content-type': 'application/json', ...headers }, JSON.stringify(body));
}

function contextHeaders(vv: VersionVector): Record<string, string> {
  return vv.length === 0 ? {} : { [CONTEXT_HEADER]: encodeContextToken(vv) };
}

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

function decodeSegment(raw: string, what: string): Parsed<string> {
  try {
    return { ok: true, value: decodeURIComponent(raw) };
  } catch {
    return { ok: false, error: `${what} is not a valid percent-encoded UTF-8 path segment` };
  }
}

/** `timeout` is a positive integer of ms; the store checks its upper bound. */
function parseTimeout(raw: string | undefined): Parsed<number | undefined> {
  if (raw === undefined) return { ok: true, value: undefined };
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < 1) {
    return { ok: false, error: 'timeout must be a positive integer number of ms' };
  }
  return { ok: true, value: n };
}

function parseRepair(raw: string | undefined): Parsed<'sync' | 'async' | undefined> {
  if (raw === undefined) return { ok: true, value: undefined };
  if (raw === 'sync' || raw === 'async') return { ok: true, value: raw };
  return { ok: false, error: 'repair must be sync or async' };
}

/** An absent (or empty) `X-Context` is the empty context: a blind write. */
function parseContext(req: IncomingMessage): Parsed<VersionVector> {
  const raw = req.headers[CONTEXT_HEADER];
  const token = (Array.isArray(raw) ? raw.join(', ') : (raw ?? '')).trim();
  if (token === '') return { ok: true, value: EMPTY_VV };
  const decoded = decodeContextToken(token);
  if (!decoded.ok)
    return { ok: false, error: `bad X-Context header: ${decoded.error.kind} (${decoded.error.detail})` };
  return { ok: true, value: decoded.vv };
}

type BodyResult =
  | { readonly kind: 'ok'; readonly body: Uint8Array }
  | { readonly kind: 'too-large'; readonly bytes: number }
  | { readonly kind: 'aborted' };

/**
 * Reads the request body up to `limit` bytes. A declared content-length over the limit is refused before
 * reading; a streamed body is refused at the chunk that crosses the limit, and the stream is left paused
 * (the 413 closes the connection, so the rest is never read).
 */
function readBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.resolve({ kind: 'too-large', bytes: declared });
  if (/100-continue/i.test(req.headers.expect ?? '')) res.writeContinue();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (r: BodyResult): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAbort);
      req.off('close', onClose);
      resolve(r);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        chunks.length = 0;
        finish({ kind: 'too-large', bytes: size });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      const body = new Uint8Array(size);
      let at = 0;
      for (const c of chunks) {
        body.set(c, at);
        at += c.length;
      }
      finish({ kind: 'ok', body });
    };
    const onAbort = (): void => finish({ kind: 'aborted' });
    const onClose = (): void => {
      if (!req.complete) onAbort();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onClose);
  });
}

function sendResult(res: ServerResponse, result: KvDeleteResult | KvGetResult): void {
  if (result.kind === 'unavailable') {
    const { needed, got, reachable } = result;
    const asked =
      reachable === undefined
        ? ''
        : reachable < needed
          ? ` (only ${reachable} replicas reachable, so none was asked)`
          : ` of ${reachable} reachable replicas`;
    json(res, 503, {
      error: `quorum not met: needed ${needed}, got ${got}${asked}`,
      needed,
      got,
      ...(reachable === undefined ? {} : { reachable }),
      errors: result.errors,
      ...(result.mayHaveApplied === undefined ? {} : { mayHaveApplied: result.mayHaveApplied }),
    });
  } else if (result.kind === 'invalid') {
    json(res, INVALID_STATUS[result.reason], { error: result.error });
  } else if (result.kind === 'notfound' || ('values' in result && result.values.length === 0)) {
    json(res, 404, { error: 'not found' }, contextHeaders(result.context));
  } else if (!('values' in result)) {
    send(res, 204, contextHeaders(result.context), '');
  } else if (result.values.length === 1) {
    const ctx = contextHeaders(result.context);
    send(res, 200, { 'content-type': 'application/octet-stream', ...ctx }, result.values[0] as Uint8Array);
  } else {
    const siblings = result.values.map((v) => ({ value: Buffer.from(v).toString('base64') }));
    json(res, 300, { siblings }, contextHeaders(result.context));
  }
}

/**
 * The key API of DESIGN.md §13 on one `/kv/:key` or `/ns/:ns/kv/:key` request: validates the path, query
 * and `X-Context` before calling the store, then maps its result onto the status codes (204 / 200 / 300 /
 * 404 / 503, and the store's own 400 / 413). Every error is JSON `{"error": …}`.
 */
export async function handleKvRequest(
  api: KvApi | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  path: KvPath,
  query: URLSearchParams,
  options: KvRouteOptions = {},
): Promise<void> {
  const method = req.method ?? 'GET';
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  let bodyRead = false;
  // An answer given before reading a body closes the connection rather than reading the rest only to drop it.
  const fail = (status: number, error: string): void => {
    json(res, status, { error }, hasBody && !bodyRead ? { connection: 'close' } : {});
  };

  if (method !== 'GET' && method !== 'HEAD' && method !== 'PUT' && method !== 'DELETE') {
    res.setHeader('allow', ALLOW);
    return fail(405, `${method} not allowed on a key (allowed: ${ALLOW})`);
  }
  if (path.extra) {
    return fail(404, `no route ${rawPathOf(req)} (a key containing "/" must be sent as %2F)`);
  }
  const ns =
    path.ns === undefined
      ? { ok: true as const, value: DEFAULT_NAMESPACE }
      : decodeSegment(path.ns, 'namespace');
  if (!ns.ok) return fail(400, ns.error);
  if (ns.value === '') return fail(400, 'namespace must not be empty');
  const keyText = decodeSegment(path.key, 'key');
  if (!keyText.ok) return fail(400, keyText.error);
  if (keyText.value === '') return fail(400, 'key must not be empty');
  const key = new Uint8Array(Buffer.from(keyText.value, 'utf8'));
  const params = singleParams(query, KV_PARAMS[method], method, ALL_KV_PARAMS);
  if (!params.ok) return fail(400, params.error);
  const timeout = parseTimeout(params.value.get('timeout'));
  if (!timeout.ok) return fail(400, timeout.error);
  const timeoutMs = timeout.value === undefined ? {} : { timeoutMs: timeout.value };

  if (method === 'GET' || method === 'HEAD') {
    const repair = parseRepair(params.value.get('repair'));
    if (!repair.ok) return fail(400, repair.error);
    if (api === undefined) return fail(503, 'store not running');
    const r = params.value.get('r');
    return sendResult(
      res,
      await api.get({
        ns: ns.value,
        key,
        ...(r === undefined ? {} : { r }),
        ...timeoutMs,
        ...(repair.value === undefined ? {} : { repair: repair.value }),
      }),
    );
  }

  const context = parseContext(req);
  if (!context.ok) return fail(400, context.error);
  if (api === undefined) return fail(503, 'store not running');
  const w = params.value.get('w');
  const write = {
    ns: ns.value,
    key,
    context: context.value,
    ...(w === undefined ? {} : { w }),
    ...timeoutMs,
  };
  if (method === 'DELETE') {
    // A delete without a context reads first (at R), so it takes `r` too.
    const r = params.value.get('r');
    return sendResult(res, await api.delete({ ...write, ...(r === undefined ? {} : { r }) }));
  }

  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const body = await readBody(req, res, limit);
  if (body.kind === 'aborted') {
    res.destroy();
    return;
  }
  if (body.kind === 'too-large') {
    return fail(413, `request body exceeds ${limit} bytes`);
  }
  bodyRead = true;
  sendResult(res, await api.put({ ...write, value: body.body }));
}
