import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, AgentProcesses, getJson, requireBuiltCli, waitAllAlive } from './agent-process.js';

// Real agents on 127.0.0.1 (issue #12): a namespace costs what it holds. Before, one key in each of 50 new
// namespaces took a node from ~100 MB to ~1 GB (256 Merkle trees and partition states per namespace).
const procs = new AgentProcesses();

beforeAll(requireBuiltCli);
afterEach(() => procs.cleanup());

const NAMESPACES = 1000;
/** The stated bound: what 1,000 one-key namespaces may add to an agent's resident memory. */
const MAX_GROWTH_MB = 150;

function rssMb(a: Agent): number {
  const status = readFileSync(`/proc/${a.proc.pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

async function put(a: Agent, ns: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${a.httpPort}/ns/${ns}/kv/k`, {
    method: 'PUT',
    body: 'x',
    signal: AbortSignal.timeout(10_000),
  });
  await res.arrayBuffer();
  return res.status;
}

type Convergence = { sweeps: number; owned: number; inSync: number };

/** Until every agent swept twice more than `after`, owns at least `minOwned` partitions and is in sync. */
async function sweepsDone(
  agents: readonly Agent[],
  after: readonly number[],
  minOwned: number,
  budgetMs: number,
): Promise<Convergence[]> {
  const deadline = Date.now() + budgetMs;
  let last: Convergence[] = [];
  while (Date.now() < deadline) {
    last = await Promise.all(
      agents.map(
        async (a) =>
          (await getJson<Convergence>(a.httpPort, '/cluster/convergence')) ?? {
            sweeps: -1,
            owned: 0,
            inSync: 0,
          },
      ),
    );
    if (last.every((c, i) => c.sweeps >= (after[i] ?? 0) + 2 && c.owned >= minOwned && c.inSync === c.owned))
      return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `anti-entropy did not sweep twice and converge within ${budgetMs} ms: ${JSON.stringify(last)}`,
  );
}

describe('namespace memory (real processes)', () => {
  it(`${NAMESPACES} namespaces of one key: each agent grows by less than ${MAX_GROWTH_MB} MB; one more is a 409, counted`, async () => {
    const dir = procs.tempDir('hearsay-ns-memory-');
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ store: { antiEntropy: { intervalMs: 1000 }, maxNamespaces: NAMESPACES } }),
    );
    const seed = await procs.start({ name: 'n1', dataDir: join(dir, 'n1'), config });
    const others = await Promise.all(
      ['n2', 'n3'].map((name) =>
        procs.start({ name, dataDir: join(dir, name), config, join: [seed.address] }),
      ),
    );
    const agents = [seed, ...others];
    await waitAllAlive(agents, 3, 20_000);
    const before = await sweepsDone(agents, [0, 0, 0], 0, 20_000);
    const rssBefore = agents.map(rssMb);

    let next = 0;
    const statuses: number[] = [];
    const worker = async (): Promise<void> => {
      while (next < NAMESPACES) {
        const i = next++;
        statuses.push(await put(agents[i % 3] as Agent, `junk${i}`));
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(statuses.filter((s) => s !== 204)).toEqual([]);

    const after = await sweepsDone(
      agents,
      before.map((c) => c.sweeps),
      NAMESPACES,
      60_000,
    );
    // N = 3 on 3 agents: each holds every namespace's one key, so it sweeps ~1,000 partitions, not 256,000.
    for (const c of after) {
      expect(c.owned).toBeGreaterThanOrEqual(NAMESPACES);
      expect(c.owned).toBeLessThanOrEqual(NAMESPACES + 1);
    }
    const rssAfter = agents.map(rssMb);
    const growth = rssAfter.map((mb, i) => mb - (rssBefore[i] ?? 0));
    console.log(
      `namespace memory: RSS before ${rssBefore.map((m) => m.toFixed(0)).join('/')} MB, after ${NAMESPACES} namespaces ` +
        `${rssAfter.map((m) => m.toFixed(0)).join('/')} MB (growth ${growth.map((m) => m.toFixed(0)).join('/')} MB)`,
    );
    for (const g of growth) expect(g).toBeLessThan(MAX_GROWTH_MB);

    // The cap: one namespace more is refused with a clear 409 and counted; a known namespace still takes writes.
    const refused = await fetch(`http://127.0.0.1:${seed.httpPort}/ns/onemore/kv/k`, {
      method: 'PUT',
      body: 'x',
    });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: string }).error).toMatch(/namespace limit reached/);
    expect(await put(seed, 'junk7')).toBe(204);
    // Counted by the replica that refused (the key's coordinating owner, on whichever agent that is).
    let refusals = 0;
    for (const a of agents) {
      const metrics = await (await fetch(`http://127.0.0.1:${a.httpPort}/metrics`)).text();
      refusals += Number(
        /^hearsay_kv_namespace_limit_refusals_total(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1] ?? 0,
      );
    }
    expect(refusals).toBeGreaterThanOrEqual(1);
  }, 150_000);
});
