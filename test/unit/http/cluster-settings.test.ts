import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NamespaceDescription } from '../../../src/coordinator/namespace-settings.js';
import { type HearsayNode, type NodeSettings, startNode } from '../../../src/node.js';

// Two real nodes in this process (src/node.ts: UDP/TCP and HTTP on 127.0.0.1, in-memory storage), so the
// routes run against the real store and the wiring of node.ts.

const HOUR_MS = 3_600_000;
let a: HearsayNode;
let b: HearsayNode;

const settings = (name: string, over: Partial<NodeSettings>): NodeSettings => ({
  name,
  cluster: 'test',
  bind: '127.0.0.1',
  port: 0,
  httpPort: 0,
  zone: '',
  join: [],
  profile: 'local',
  mtuBytes: 1400,
  encrypt: [],
  label: '',
  dataDir: ':memory:',
  // Sweeps only when the test asks for one.
  kv: { antiEntropy: { intervalMs: HOUR_MS } },
  ...over,
});

const http = (node: HearsayNode, path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`http://127.0.0.1:${node.httpPort}${path}`, { ...init, signal: AbortSignal.timeout(5_000) });

async function until(what: string, check: () => Promise<boolean>, maxMs = 10_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function namespacesOf(node: HearsayNode): Promise<Map<string, NamespaceDescription>> {
  const res = await http(node, '/cluster/namespaces');
  expect(res.status).toBe(200);
  const body = (await res.json()) as { namespaces: NamespaceDescription[] };
  return new Map(body.namespaces.map((n) => [n.name, n]));
}

beforeAll(async () => {
  a = await startNode(
    settings('a', {
      kv: { antiEntropy: { intervalMs: HOUR_MS }, namespaces: { sessions: { conflict: 'lww' } } },
    }),
  );
  b = await startNode(settings('b', { join: [a.address] }));
  await until('both nodes alive in both views', async () =>
    [a, b].every((n) => n.membership.members().filter((m) => m.state === 'alive').length === 2),
  );
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
});

describe('cluster settings over HTTP on real nodes', () => {
  it('refuses _global keys outside the schema, wrong types and n above the members with a 400; stores nothing', async () => {
    const put = (key: string, body: string) => http(a, `/ns/_global/kv/${key}`, { method: 'PUT', body });
    const cases: [string, string, RegExp][] = [
      [
        'bank2',
        '{"strict":true}',
        /^unknown _global key "bank2"; known keys: ns\/<name> \(settings of namespace/,
      ],
      ['ns%2F', '{"strict":true}', /namespace name "" must be 1..255 bytes/],
      ['ns%2F_global', '{"n":1}', /_global itself has no settings/],
      ['ns%2Fbank', '{"n":64}', /n 64 is more than the 2 members that own partitions in this cluster/],
      ['ns%2Fbank', '{"n":"3"}', /n must be an integer in \[1, 64\], got the string "3"/],
      ['ns%2Fbank', '{"strict":"yes"}', /strict must be true or false, got the string "yes"/],
      ['ns%2Fbank', '{"conflict":"newest"}', /conflict must be "siblings" or "lww", got the string "newest"/],
      ['ns%2Fbank', '{"strict":true,"w":"one","r":"one"}', /strict mode requires W \+ R > N/],
    ];
    for (const [key, body, error] of cases) {
      const res = await put(key, body);
      expect(res.status, `${key} ${body}`).toBe(400);
      expect(((await res.json()) as { error: string }).error, `${key} ${body}`).toMatch(error);
    }
    const del = await http(a, '/ns/_global/kv/bank2', { method: 'DELETE' });
    expect(del.status).toBe(400);
    expect(((await del.json()) as { error: string }).error).toMatch(/unknown _global key "bank2"/);
    for (const key of ['bank2', 'ns%2F_global', 'ns%2Fbank'])
      expect((await http(a, `/ns/_global/kv/${key}`)).status, key).toBe(404);
    expect((await namespacesOf(a)).has('bank')).toBe(false);
  });

  it('GET /cluster/namespaces lists overrides, node config and held data with the source of every value', async () => {
    const set = await http(a, '/ns/_global/kv/ns%2Fbank', { method: 'PUT', body: '{"strict":true,"n":2}' });
    expect(set.status).toBe(204);
    expect((await http(a, '/ns/users/kv/alice', { method: 'PUT', body: 'x' })).status).toBe(204);

    const onA = await namespacesOf(a);
    expect([...onA.keys()]).toEqual(['bank', 'sessions', 'users']);
    expect(onA.get('bank')).toEqual({
      name: 'bank',
      settings: { n: 2, r: 'quorum', w: 'quorum', strict: true, conflict: 'siblings' },
      source: { n: 'cluster', r: 'default', w: 'default', strict: 'cluster', conflict: 'default' },
    });
    expect(onA.get('sessions')).toMatchObject({
      settings: { conflict: 'lww' },
      source: { n: 'default', conflict: 'node-config' },
    });
    expect(onA.get('users')?.source).toEqual({
      n: 'default',
      r: 'default',
      w: 'default',
      strict: 'default',
      conflict: 'default',
    });

    // b has no node config for sessions; the cluster override reaches it by rumor.
    await until('the bank override on b', async () => (await namespacesOf(b)).has('bank'));
    const onB = await namespacesOf(b);
    expect([...onB.keys()]).toEqual(['bank', 'users']);
    expect(onB.get('bank')).toEqual(onA.get('bank'));

    // Deleting the override leaves a namespace nobody configured or holds data in unlisted.
    const current = await http(a, '/ns/_global/kv/ns%2Fbank');
    const context = current.headers.get('x-context') ?? '';
    const del = await http(a, '/ns/_global/kv/ns%2Fbank', {
      method: 'DELETE',
      headers: { 'x-context': context },
    });
    expect(del.status).toBe(204);
    expect([...(await namespacesOf(a)).keys()]).toEqual(['sessions', 'users']);
  });

  it('/cluster/convergence is a summary per namespace; ?detail=partitions pages through every exchange', async () => {
    // Anti-entropy walks only partitions holding data: enough keys to fill more than two pages of them.
    const parts = new Set<number>();
    for (let i = 0; i < 400; i++) {
      expect((await http(a, `/ns/users/kv/k${i}`, { method: 'PUT', body: 'y' })).status).toBe(204);
      parts.add(a.kv.placement.partitionOf(new TextEncoder().encode(`k${i}`)));
    }
    const total = parts.size + 1;
    expect(total).toBeGreaterThan(200);
    await a.kv.antiEntropy.sweep();
    const res = await http(a, '/cluster/convergence');
    expect(res.status).toBe(200);
    const summary = (await res.json()) as Record<string, unknown> & {
      namespaces: { ns: string; owned: number; exchanged: number }[];
    };
    expect(summary).not.toHaveProperty('partitions');
    // N = 3 over two members: a owns every partition of users that holds a key, plus the global one.
    expect(summary).toMatchObject({ owned: total, exchanged: total, sweeps: 1 });
    expect(summary.namespaces.map((n) => [n.ns, n.owned, n.exchanged])).toEqual([
      ['_global', 1, 1],
      ['users', total - 1, total - 1],
    ]);

    const seen = new Set<string>();
    let pages = 0;
    for (let offset: number | null = 0; offset !== null; pages++) {
      const page = (await (
        await http(a, `/cluster/convergence?detail=partitions&offset=${offset}`)
      ).json()) as {
        total: number;
        next: number | null;
        partitions: { ns: string; partition: number; peer: string; ok: boolean }[];
      };
      expect(page.total).toBe(total);
      expect(page.partitions.length).toBeLessThanOrEqual(100);
      for (const p of page.partitions) {
        expect(p).toMatchObject({ peer: 'b', ok: true });
        seen.add(`${p.ns}/${p.partition}`);
      }
      offset = page.next;
    }
    expect(pages).toBe(Math.ceil(total / 100));
    expect(seen.size).toBe(total);
  });
});
