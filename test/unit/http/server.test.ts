import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpBackend, startHttpServer } from '../../../src/http/server.js';
import { nodeId } from '../../../src/membership/member.js';
import type { Member } from '../../../src/membership/member-events.js';
import { Ring } from '../../../src/ring/ring.js';

const members: Member[] = [
  {
    id: nodeId('a'),
    addr: '10.0.0.1:7946',
    zone: 'z1',
    meta: { http_port: '8080' },
    incarnation: 3,
    state: 'alive',
  },
  {
    id: nodeId('b'),
    addr: '[::1]:7947',
    zone: '',
    meta: {},
    incarnation: 1,
    state: 'dead',
  },
];
let ready = false;
const forceLeaveCalls: string[] = [];
const backend: HttpBackend = {
  members: () => members,
  forceLeave: (name) => {
    forceLeaveCalls.push(name);
    const m = members.find((x) => x.id === name);
    if (m === undefined) return { ok: false, error: 'unknown-member' };
    return m.state === 'dead' ? { ok: true, actions: [] } : { ok: false, error: 'not-failed' };
  },
  ready: () => ready,
  metricsText: async () => '# HELP x y\n# TYPE x gauge\nx 1\n',
  metricsContentType: 'text/plain; version=0.0.4; charset=utf-8',
  ring: (n) => new Ring(members, { partitions: 8 }).describe(n),
};
let server: Awaited<ReturnType<typeof startHttpServer>>;
const url = (path: string): string => `http://127.0.0.1:${server.port}${path}`;

beforeAll(async () => {
  server = await startHttpServer(backend, '127.0.0.1', 0);
});
afterAll(() => server.close());

describe('HTTP API (membership routes)', () => {
  it('GET /cluster/members gives the DESIGN §13 shape, with dead shown as failed', async () => {
    const res = await fetch(url('/cluster/members'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({
      members: [
        {
          name: 'a',
          addr: '10.0.0.1',
          port: 7946,
          httpPort: 8080,
          zone: 'z1',
          state: 'alive',
          incarnation: 3,
          meta: { http_port: '8080' },
        },
        {
          name: 'b',
          addr: '::1',
          port: 7947,
          httpPort: 0,
          zone: '',
          state: 'failed',
          incarnation: 1,
          meta: {},
        },
      ],
    });
  });

  it('POST /cluster/force-leave/:name removes a failed member; other members and methods get clear errors', async () => {
    const post = (path: string) => fetch(url(path), { method: 'POST' });
    const ok = await post('/cluster/force-leave/b');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ name: 'b', state: 'left' });
    const live = await post('/cluster/force-leave/a');
    expect(live.status).toBe(409);
    expect(((await live.json()) as { error: string }).error).toContain('not failed');
    const unknown = await post('/cluster/force-leave/zz%20top');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'no such member', name: 'zz top' });
    expect((await post('/cluster/force-leave/%E0%A4%A')).status).toBe(400);
    expect((await post('/cluster/force-leave/a/b')).status).toBe(400);
    const get = await fetch(url('/cluster/force-leave/b'));
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(forceLeaveCalls).toEqual(['b', 'a', 'zz top']);
  });

  it('/health is always ok; /ready is 503 until joined', async () => {
    expect((await fetch(url('/health'))).status).toBe(200);
    const notReady = await fetch(url('/ready'));
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ error: 'not joined yet' });
    ready = true;
    expect((await fetch(url('/ready'))).status).toBe(200);
  });

  it('/metrics serves the Prometheus text with its content type', async () => {
    const res = await fetch(url('/metrics'));
    expect(res.headers.get('content-type')).toContain('version=0.0.4');
    expect(await res.text()).toContain('x 1');
  });

  it('GET /cluster/ring lists every partition with its owners among live members (n defaults to 3)', async () => {
    const res = await fetch(url('/cluster/ring'));
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      partitions: number;
      replicas: number;
      owners: { owners: string[] }[];
    };
    expect(body.partitions).toBe(8);
    expect(body.replicas).toBe(3);
    expect(body.owners).toHaveLength(8);
    // Only `a` is alive (b is dead), so every partition has exactly one owner whatever n asks for.
    for (const p of body.owners) expect(p.owners).toEqual(['a']);
    expect(((await (await fetch(url('/cluster/ring?n=1'))).json()) as { replicas: number }).replicas).toBe(1);
  });

  it('rejects a bad n on /cluster/ring with a JSON 400', async () => {
    for (const bad of ['abc', '0', '65', '1.5', '-1']) {
      const res = await fetch(url(`/cluster/ring?n=${bad}`));
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'n must be an integer in [1, 64]' });
    }
  });

  it('unknown routes get a JSON 404 and other methods a JSON 405 with Allow', async () => {
    const missing = await fetch(url('/nope'));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no route /nope' });
    const post = await fetch(url('/health'), { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await post.json()) as { error: string }).toMatchObject({ error: 'POST not allowed on /health' });
  });
});
