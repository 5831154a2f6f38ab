import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { KvApi } from '../../../src/http/kv-routes.js';
import { type HttpBackend, startHttpServer } from '../../../src/http/server.js';
import { decodeContextToken, encodeContextToken } from '../../../src/versioning/context-token.js';
import { replicaId } from '../../../src/versioning/replica-id.js';
import { EMPTY_VV, type VersionVector } from '../../../src/versioning/version-vector.js';
import { FakeKv } from './fake-kv.js';

const LIMIT = 256;
let servers: Awaited<ReturnType<typeof startHttpServer>>[] = [];

async function serve(kv: KvApi | undefined): Promise<(path: string) => string> {
  const backend: HttpBackend = {
    members: () => [],
    ready: () => true,
    metricsText: async () => '',
    metricsContentType: 'text/plain',
    ring: () => ({ partitions: 0, replicas: 0, members: [], owners: [] }) as never,
    ...(kv === undefined ? {} : { kv }),
  };
  const s = await startHttpServer(backend, '127.0.0.1', 0, { maxBodyBytes: LIMIT });
  servers.push(s);
  return (path) => `http://127.0.0.1:${s.port}${path}`;
}

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
const ctxOf = (counter: number): VersionVector => [{ id: replicaId('fake'), counter }];

/** A raw request over node:http (fetch would normalize the path and insists on an honest body length). */
function rawRequest(
  port: number,
  opts: { method: string; path: string; headers?: Record<string, string | number>; chunks?: Buffer[] },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      method: opts.method,
      path: opts.path,
      headers: opts.headers,
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        req.destroy();
      });
    });
    req.on('error', reject);
    // The body is left open: the server must answer without waiting for the rest.
    for (const c of opts.chunks ?? []) req.write(c);
    req.flushHeaders();
  });
}

describe('/kv HTTP API', () => {
  it('PUT then GET round-trips the value and X-Context; a write with the context supersedes', async () => {
    const kv = new FakeKv(64);
    const url = await serve(kv);
    const put = await fetch(url('/kv/greeting'), { method: 'PUT', body: 'hello' });
    expect(put.status).toBe(204);
    expect(put.headers.get('content-length')).toBeNull();
    const token = put.headers.get('x-context');
    expect(token).toBe(encodeContextToken(ctxOf(1)));
    expect(kv.calls[0]).toEqual({
      op: 'put',
      req: { ns: 'default', key: bytes('greeting'), value: bytes('hello'), context: EMPTY_VV },
    });

    const get = await fetch(url('/kv/greeting'));
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toBe('application/octet-stream');
    expect(get.headers.get('x-context')).toBe(token);
    expect(Buffer.from(await get.arrayBuffer()).toString()).toBe('hello');

    const again = await fetch(url('/kv/greeting?w=all&timeout=250'), {
      method: 'PUT',
      body: new Uint8Array([0, 255, 1]),
      headers: { 'x-context': token as string },
    });
    expect(again.status).toBe(204);
    expect(kv.calls[2]).toEqual({
      op: 'put',
      req: {
        ns: 'default',
        key: bytes('greeting'),
        value: new Uint8Array([0, 255, 1]),
        context: ctxOf(1),
        w: 'all',
        timeoutMs: 250,
      },
    });
    const raw = await fetch(url('/kv/greeting?r=quorum&repair=sync&timeout=9'));
    expect(new Uint8Array(await raw.arrayBuffer())).toEqual(new Uint8Array([0, 255, 1]));
    expect(kv.calls[3]).toEqual({
      op: 'get',
      req: { ns: 'default', key: bytes('greeting'), r: 'quorum', repair: 'sync', timeoutMs: 9 },
    });
  });

  it('an empty body is an empty value', async () => {
    const kv = new FakeKv(64);
    const url = await serve(kv);
    expect((await fetch(url('/kv/e'), { method: 'PUT' })).status).toBe(204);
    const get = await fetch(url('/kv/e'));
    expect(get.status).toBe(200);
    expect(get.headers.get('content-length')).toBe('0');
  });

  it('HEAD is GET without a body', async () => {
    const kv = new FakeKv(64);
    const url = await serve(kv);
    await fetch(url('/kv/k'), { method: 'PUT', body: 'abc' });
    const head = await fetch(url('/kv/k'), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('3');
    expect(head.headers.get('x-context')).toBe(encodeContextToken(ctxOf(1)));
    expect(await head.text()).toBe('');
    expect(kv.calls[1]?.op).toBe('get');
  });

  it('siblings answer 300 with base64 values and the merged context', async () => {
    const kv = new FakeKv(64);
    const url = await serve(kv);
    const context = [
      { id: replicaId('a'), counter: 2 },
      { id: replicaId('b'), counter: 1 },
    ];
    kv.next = { kind: 'ok', values: [bytes('one'), new Uint8Array([255, 0])], context };
    const res = await fetch(url('/kv/k'));
    expect(res.status).toBe(300);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-context')).toBe(encodeContextToken(context));
    expect(await res.json()).toEqual({ siblings: [{ value: 'b25l' }, { value: '/wA=' }] });
  });

  it('404 without X-Context for a key never written, with it for a tombstone', async () => {
    const kv = new FakeKv(64);
    const url = await serve(kv);
    const missing = await fetch(url('/kv/nope'));
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/json');
    expect(missing.headers.get('x-context')).toBeNull();
    expect(await missing.json()).toEqual({ error: 'not found' });

    const put = await fetch(url('/kv/gone'), { method: 'PUT', body: 'v' });
    const del = await fetch(url('/kv/gone?w=2'), {
      method: 'DELETE',
      headers: { 'x-context': put.headers.get('x-context') as string },
    });
    expect(del.status).toBe(204);
    expect(del.headers.get('x-context')).toBe(encodeContextToken(ctxOf(2)));
    expect(kv.calls[2]).toEqual({
      op: 'delete',
      req: { ns: 'default', key: bytes('gone'), context: ctxOf(1), w: '2' },
    });
    const tomb = await fetch(url('/kv/gone'));
    expect(tomb.status).toBe(404);
    expect(await tomb.json()).toEqual({ error: 'not found' });
    const token = tomb.headers.get('x-context');
    expect(token).not.toBeNull();
    const decoded = decodeContextToken(token as string);
    expect(decoded.ok && decoded.vv).toEqual(ctxOf(2));
  });

  it('quorum not met is 503 with needed, got and the replica errors', async () => {
    const kv = new FakeKv(64);
    const url = await serve(kv);
    kv.next = { kind: 'unavailable', needed: 2, got: 1, errors: ['b: timeout', 'c: down'] };
    const res = await fetch(url('/kv/k'), { method: 'PUT', body: 'x' });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({
      error: 'quorum not met: needed 2, got 1',
      needed: 2,
      got: 1,
      errors: ['b: timeout', 'c: down'],
    });
    kv.next = { kind: 'unavailable', needed: 3, got: 0, errors: [] };
    const get = await fetch(url('/kv/k'));
    expect(get.status).toBe(503);
    expect(await get.json()).toMatchObject({ needed: 3, got: 0, errors: [] });
    // How many replicas were reachable says why: none asked (too few up), or asked and not enough answered.
    kv.next = {
      kind: 'unavailable',
      needed: 3,
      got: 0,
      reachable: 2,
      errors: ['only 2 of 3 replicas reachable'],
    };
    expect(await (await fetch(url('/kv/k?r=all'))).json()).toMatchObject({
      error: 'quorum not met: needed 3, got 0 (only 2 replicas reachable, so none was asked)',
      reachable: 2,
    });
    kv.next = { kind: 'unavailable', needed: 2, got: 1, reachable: 3, errors: ['b: timeout', 'c: timeout'] };
    expect(await (await fetch(url('/kv/k'))).json()).toMatchObject({
      error: 'quorum not met: needed 2, got 1 of 3 reachable replicas',
      reachable: 3,
    });
  });

  it("the store's invalid answers keep their status", async () => {
    const kv = new FakeKv(64);
    const url = await serve(kv);
    kv.next = { kind: 'invalid', reason: 'bad-request', error: 'r must be one, quorum, all or an integer' };
    const res = await fetch(url('/kv/k?r=bogus'));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'r must be one, quorum, all or an integer' });
    expect(kv.calls[0]).toMatchObject({ op: 'get', req: { r: 'bogus' } });
    // The fake refuses values over 64 bytes the way the store does for its own limit.
    const big = await fetch(url('/kv/k'), { method: 'PUT', body: 'x'.repeat(100) });
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ error: 'value too large' });
  });

  it('the namespaced path reaches the store with its namespace', async () => {
    const kv = new FakeKv(64);
    const url = await serve(kv);
    expect((await fetch(url('/ns/users/kv/k'), { method: 'PUT', body: 'u' })).status).toBe(204);
    expect(kv.calls[0]).toMatchObject({ op: 'put', req: { ns: 'users', key: bytes('k') } });
    expect((await fetch(url('/kv/k'))).status).toBe(404);
    expect(kv.calls[1]).toMatchObject({ op: 'get', req: { ns: 'default' } });
    expect(await (await fetch(url('/ns/users/kv/k'))).text()).toBe('u');
    await fetch(url('/ns/caf%C3%A9%2Fx/kv/k'), { method: 'DELETE' });
    expect(kv.calls[3]).toMatchObject({ op: 'delete', req: { ns: 'café/x' } });
  });

  it('percent-decodes keys: %2F is a slash inside the key, UTF-8 is kept, dots are not resolved', async () => {
    const kv = new FakeKv(64);
    const url = await serve(kv);
    const res = await fetch(url(`/kv/${encodeURIComponent('a/b é✓')}`), { method: 'PUT', body: 'v' });
    expect(res.status).toBe(204);
    expect(kv.calls[0]?.req.key).toEqual(bytes('a/b é✓'));
    expect(await (await fetch(url('/kv/a%2fb%20%C3%A9%E2%9C%93'))).text()).toBe('v');
    const s = servers[0]!;
    const dots = await rawRequest(s.port, { method: 'GET', path: '/kv/..' });
    expect(dots.status).toBe(404);
    expect(kv.calls[2]?.req.key).toEqual(bytes('..'));
  });

  it('rejects bad paths, queries and X-Context with a JSON 400 or 404 before calling the store', async () => {
    const kv = new FakeKv(64);
    const url = await serve(kv);
    const cases: [string, RequestInit, number, RegExp][] = [
      ['/kv/%E0%A4%A', {}, 400, /key is not a valid percent-encoded/],
      ['/kv/%FF', {}, 400, /key is not a valid percent-encoded/],
      ['/ns/%zz/kv/k', {}, 400, /namespace is not a valid/],
      ['/ns//kv/k', {}, 400, /namespace must not be empty/],
      ['/kv/', {}, 400, /key must not be empty/],
      ['/kv', {}, 400, /key must not be empty/],
      ['/ns/x/kv/', { method: 'PUT', body: 'v' }, 400, /key must not be empty/],
      ['/kv/a/b', {}, 404, /no route \/kv\/a\/b.*%2F/],
      ['/ns/x/kv/a/b', { method: 'DELETE' }, 404, /no route/],
      ['/kv/k?timeout=0', {}, 400, /timeout must be a positive integer/],
      ['/kv/k?timeout=1.5', {}, 400, /timeout must be a positive integer/],
      ['/kv/k?timeout=abc', { method: 'PUT', body: 'v' }, 400, /timeout/],
      ['/kv/k?timeout=-3', { method: 'DELETE' }, 400, /timeout/],
      ['/kv/k?repair=later', {}, 400, /repair must be sync or async/],
      ['/kv/k', { method: 'PUT', body: 'v', headers: { 'x-context': 'not a token!' } }, 400, /X-Context/],
      ['/kv/k', { method: 'DELETE', headers: { 'x-context': 'AQ' } }, 400, /X-Context/],
    ];
    for (const [path, init, status, error] of cases) {
      const res = await fetch(url(path), init);
      expect(res.status, path).toBe(status);
      expect(res.headers.get('content-type'), path).toBe('application/json');
      expect(((await res.json()) as { error: string }).error, path).toMatch(error);
    }
    expect(kv.calls).toEqual([]);
  });

  it('a parameter of another method, an unknown one or a repeated one is a 400 listing what the method takes', async () => {
    const kv = new FakeKv(64);
    const url = await serve(kv);
    const cases: [string, RequestInit, string][] = [
      [
        '/kv/k?r=one',
        { method: 'PUT', body: 'v' },
        'parameter r does not apply to PUT (accepted: w, timeout)',
      ],
      [
        '/kv/k?repair=sync',
        { method: 'DELETE' },
        'parameter repair does not apply to DELETE (accepted: r, w, timeout)',
      ],
      ['/kv/k?repair=sync', { method: 'PUT', body: 'v' }, 'parameter repair does not apply to PUT'],
      ['/kv/k?w=all', {}, 'parameter w does not apply to GET (accepted: r, timeout, repair)'],
      ['/ns/x/kv/k?foo=bar&r=one', {}, 'unknown parameter "foo" for GET (accepted: r, timeout, repair)'],
      ['/kv/k?W=2', { method: 'PUT', body: 'v' }, 'unknown parameter "W" for PUT (accepted: w, timeout)'],
      ['/kv/k?n=3', { method: 'DELETE' }, 'unknown parameter "n" for DELETE (accepted: r, w, timeout)'],
      ['/kv/k?r=one&r=all', {}, 'parameter r given more than once'],
    ];
    for (const [path, init, error] of cases) {
      const res = await fetch(url(path), init);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { error: string }).error, path).toContain(error);
    }
    expect((await fetch(url('/kv/k?w=one'), { method: 'HEAD' })).status).toBe(400);
    expect(kv.calls).toEqual([]);
    // Each method's own parameters reach the store.
    expect((await fetch(url('/kv/k?r=one&timeout=50&repair=sync'))).status).toBe(404);
    expect((await fetch(url('/kv/k?w=all&timeout=50'), { method: 'PUT', body: 'v' })).status).toBe(204);
    expect((await fetch(url('/kv/k?w=2&r=one'), { method: 'DELETE' })).status).toBe(204);
    expect(kv.calls).toMatchObject([
      { op: 'get', req: { r: 'one', timeoutMs: 50, repair: 'sync' } },
      { op: 'put', req: { w: 'all', timeoutMs: 50 } },
      { op: 'delete', req: { w: '2', r: 'one' } },
    ]);
  });

  it('other methods get a JSON 405 with Allow', async () => {
    const url = await serve(new FakeKv(64));
    for (const method of ['POST', 'PATCH', 'OPTIONS']) {
      const res = await fetch(url('/kv/k'), { method, ...(method === 'OPTIONS' ? {} : { body: 'x' }) });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD, PUT, DELETE');
      expect(await res.json()).toEqual({
        error: `${method} not allowed on a key (allowed: GET, HEAD, PUT, DELETE)`,
      });
    }
  });

  it('a declared content-length over the limit is 413 at once, and the connection is closed', async () => {
    const kv = new FakeKv(64);
    await serve(kv);
    const s = servers[0]!;
    const res = await rawRequest(s.port, {
      method: 'PUT',
      path: '/kv/k',
      headers: { 'content-length': LIMIT + 1 },
      chunks: [Buffer.alloc(10)],
    });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['connection']).toBe('close');
    expect(JSON.parse(res.body)).toEqual({ error: `request body exceeds ${LIMIT} bytes` });
    expect(kv.calls).toEqual([]);
  });

  it('a chunked body that grows over the limit is 413 without waiting for its end', async () => {
    const kv = new FakeKv(64);
    await serve(kv);
    const s = servers[0]!;
    const res = await rawRequest(s.port, {
      method: 'PUT',
      path: '/ns/n/kv/k',
      headers: { 'transfer-encoding': 'chunked' },
      chunks: [Buffer.alloc(200, 1), Buffer.alloc(200, 2)],
    });
    expect(res.status).toBe(413);
    expect(res.headers['connection']).toBe('close');
    expect(JSON.parse(res.body)).toEqual({ error: `request body exceeds ${LIMIT} bytes` });
    expect(kv.calls).toEqual([]);
  });

  it('Expect: 100-continue gets its 100 only when the body will be read', async () => {
    const kv = new FakeKv(64);
    await serve(kv);
    const port = servers[0]!.port;
    const attempt = (length: number): Promise<{ continued: boolean; status: number }> =>
      new Promise((resolve, reject) => {
        let continued = false;
        const headers = { expect: '100-continue', 'content-length': length };
        const req = request({ host: '127.0.0.1', port, method: 'PUT', path: '/kv/k', headers });
        req.on('continue', () => {
          continued = true;
          req.end(Buffer.alloc(length));
        });
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => {
            resolve({ continued, status: res.statusCode ?? 0 });
            req.destroy();
          });
        });
        req.on('error', reject);
        req.flushHeaders();
      });
    expect(await attempt(LIMIT + 1)).toEqual({ continued: false, status: 413 });
    expect(kv.calls).toEqual([]);
    expect(await attempt(10)).toEqual({ continued: true, status: 204 });
    expect(kv.calls[0]?.op === 'put' && kv.calls[0].req.value).toEqual(new Uint8Array(10));
  });

  it('a body at the limit is passed to the store', async () => {
    const kv = new FakeKv(64);
    const url = await serve(kv);
    kv.next = { kind: 'ok', context: ctxOf(1) };
    const res = await fetch(url('/kv/k'), { method: 'PUT', body: new Uint8Array(LIMIT) });
    expect(res.status).toBe(204);
    expect(kv.calls[0]?.op === 'put' && kv.calls[0].req.value.length).toBe(LIMIT);
  });

  it('without a running store, /kv answers 503 and other routes still work', async () => {
    const url = await serve(undefined);
    for (const [path, init] of [
      ['/kv/k', {}],
      ['/ns/a/kv/k', { method: 'PUT', body: 'v' }],
      ['/kv/k', { method: 'DELETE' }],
    ] as const) {
      const res = await fetch(url(path), init);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ error: 'store not running' });
    }
    expect((await fetch(url('/health'))).status).toBe(200);
    expect((await fetch(url('/nope'))).status).toBe(404);
  });
});
