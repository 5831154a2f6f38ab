import { afterEach, describe, expect, it } from 'vitest';
import type { ConvergenceReport, PartitionReport } from '../../../src/antientropy/anti-entropy.js';
import type { NamespacesReport } from '../../../src/coordinator/namespace-settings.js';
import { type HttpBackend, startHttpServer } from '../../../src/http/server.js';
import { nodeId } from '../../../src/membership/member.js';

let servers: Awaited<ReturnType<typeof startHttpServer>>[] = [];

async function serve(extra: Partial<HttpBackend>): Promise<(path: string) => Promise<Response>> {
  const backend: HttpBackend = {
    members: () => [],
    ready: () => true,
    metricsText: async () => '',
    metricsContentType: 'text/plain',
    ring: () => ({ partitions: 0, replicas: 0, members: [], owners: [] }) as never,
    ...extra,
  };
  const s = await startHttpServer(backend, '127.0.0.1', 0);
  servers.push(s);
  return (path) => fetch(`http://127.0.0.1:${s.port}${path}`);
}

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

const PARTITIONS: PartitionReport[] = Array.from({ length: 250 }, (_, i) => ({
  ns: i === 0 ? '_global' : 'default',
  partition: i === 0 ? 0 : i - 1,
  peer: nodeId('b'),
  atMs: 1000,
  ok: true,
  segments: 0,
  pulled: 0,
  pushed: 0,
  ageMs: 5,
}));

const REPORT: ConvergenceReport = {
  intervalMs: 30_000,
  sweeps: 2,
  treesRebuilt: 0,
  owned: 300,
  exchanged: 250,
  inSync: 250,
  oldestExchangeAgeMs: Number.POSITIVE_INFINITY,
  namespaces: [
    { ns: '_global', owned: 1, exchanged: 1, inSync: 1, oldestExchangeAgeMs: 5 },
    { ns: 'default', owned: 299, exchanged: 249, inSync: 249, oldestExchangeAgeMs: Number.POSITIVE_INFINITY },
  ],
};

const convergenceBackend: Partial<HttpBackend> = {
  convergence: () => REPORT,
  convergencePartitions: (offset, limit) => ({
    total: PARTITIONS.length,
    partitions: PARTITIONS.slice(offset, offset + limit),
  }),
};

describe('GET /cluster/convergence: a summary by default, partitions paged on request', () => {
  it('answers the totals and one line per namespace, never the partitions, by default', async () => {
    const get = await serve(convergenceBackend);
    const res = await get('/cluster/convergence');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      intervalMs: 30_000,
      sweeps: 2,
      treesRebuilt: 0,
      owned: 300,
      exchanged: 250,
      inSync: 250,
      oldestExchangeAgeMs: null, // a partition never exchanged: JSON has no Infinity
      namespaces: [
        { ns: '_global', owned: 1, exchanged: 1, inSync: 1, oldestExchangeAgeMs: 5 },
        { ns: 'default', owned: 299, exchanged: 249, inSync: 249, oldestExchangeAgeMs: null },
      ],
    });
  });

  it('?detail=partitions pages 100 at a time; next is the offset of the next page, null on the last', async () => {
    const get = await serve(convergenceBackend);
    type Page = { partitions: PartitionReport[]; total: number; next: number | null; owned: number };
    const page = async (q: string): Promise<Page> => {
      const res = await get(`/cluster/convergence?detail=partitions${q}`);
      expect(res.status, q).toBe(200);
      return (await res.json()) as Page;
    };
    const first = await page('');
    expect(first).toMatchObject({ owned: 300, total: 250, next: 100 });
    expect(first.partitions).toEqual(PARTITIONS.slice(0, 100));
    const seen: PartitionReport[] = [...first.partitions];
    for (let next = first.next; next !== null; ) {
      const p = await page(`&offset=${next}`);
      seen.push(...p.partitions);
      next = p.next;
    }
    expect(seen).toEqual(PARTITIONS);
    expect(await page('&offset=200')).toMatchObject({ next: null, total: 250 });
    expect((await page('&limit=1000')).partitions).toHaveLength(250);
    expect(await page('&limit=7&offset=10')).toMatchObject({
      partitions: PARTITIONS.slice(10, 17),
      next: 17,
    });
    expect(await page('&offset=250')).toMatchObject({ partitions: [], next: null });
  });

  it('refuses bad or unknown parameters with a 400 naming them', async () => {
    const get = await serve(convergenceBackend);
    const cases: [string, RegExp][] = [
      ['?detail=all', /detail must be partitions, got "all"/],
      ['?limit=10', /limit and offset apply only with detail=partitions/],
      ['?offset=10', /limit and offset apply only with detail=partitions/],
      ['?detail=partitions&limit=0', /limit must be an integer in \[1, 1000\], got "0"/],
      ['?detail=partitions&limit=1001', /limit must be an integer in \[1, 1000\]/],
      ['?detail=partitions&limit=ten', /limit must be an integer/],
      ['?detail=partitions&offset=-1', /offset must be an integer in \[0, /],
      [
        '?cursor=abc',
        /unknown parameter "cursor" for \/cluster\/convergence \(accepted: detail, limit, offset\)/,
      ],
      ['?detail=partitions&detail=partitions', /parameter detail given more than once/],
    ];
    for (const [q, error] of cases) {
      const res = await get(`/cluster/convergence${q}`);
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as { error: string }).error, q).toMatch(error);
    }
  });

  it('answers 503 while the store is not running', async () => {
    const get = await serve({});
    expect((await get('/cluster/convergence')).status).toBe(503);
    expect((await get('/cluster/convergence?detail=partitions')).status).toBe(503);
    expect((await get('/cluster/namespaces')).status).toBe(503);
  });
});

describe('GET /cluster/namespaces', () => {
  it("serves the backend's report as JSON and only to GET/HEAD", async () => {
    const report: NamespacesReport = {
      defaults: { n: 3, r: 'quorum', w: 'quorum', strict: false, conflict: 'siblings' },
      namespaces: [
        {
          name: 'bank',
          settings: { n: 3, r: 'quorum', w: 'quorum', strict: true, conflict: 'siblings' },
          source: { n: 'default', r: 'default', w: 'default', strict: 'cluster', conflict: 'default' },
        },
      ],
    };
    const get = await serve({ namespaces: () => report });
    const res = await get('/cluster/namespaces');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual(report);
    const put = await fetch(res.url, { method: 'PUT', body: '{}' });
    expect(put.status).toBe(405);
  });
});
