import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Agent,
  AgentProcesses,
  getJson,
  keyFor,
  put,
  requireBuiltCli,
  valueFor,
  waitAllAlive,
} from './agent-process.js';

// Issue #6: real processes of the built CLI (npm test builds first) on 127.0.0.1. One node of three is
// SIGSTOPped while W=1 writes go to the other two, then resumed; with hint delivery effectively off, only
// Merkle anti-entropy can bring it up to date. No client read touches /kv until the two others are SIGKILLed,
// so the resumed node's answers can only come from what it held already (read repair has nothing to copy).
const EXCHANGE_INTERVAL_MS = 2000;
/** Time for membership (`--profile local`) to see the resumed node alive again. */
const ALIVE_MARGIN_MS = 3000;
const WRITES = 200;
const procs = new AgentProcesses();

beforeAll(requireBuiltCli);
afterEach(() => procs.cleanup());

/** Polls the observers' member lists until each reports `name` dead (`failed` in the API); ms since `since` when they all do. */
async function waitDeclaredDead(
  observers: readonly Agent[],
  name: string,
  budgetMs: number,
  since: number,
): Promise<number> {
  const deadline = Date.now() + budgetMs;
  let last: (string | undefined)[] = [];
  while (Date.now() < deadline) {
    last = await Promise.all(
      observers.map(async (a) => {
        const body = await getJson<{ members: { name: string; state: string }[] }>(
          a.httpPort,
          '/cluster/members',
        );
        return body?.members.find((m) => m.name === name)?.state;
      }),
    );
    if (last.every((s) => s === 'failed')) return Date.now() - since;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} was not declared dead within ${budgetMs} ms: ${JSON.stringify(last)}`);
}

/** The node's `aae_keys_repaired_total` counters by direction (NaN when /metrics is unreadable). */
async function keysRepaired(httpPort: number): Promise<{ pulled: number; pushed: number }> {
  let text = '';
  try {
    const res = await fetch(`http://127.0.0.1:${httpPort}/metrics`, { signal: AbortSignal.timeout(2000) });
    text = await res.text();
  } catch {
    return { pulled: Number.NaN, pushed: Number.NaN };
  }
  const counter = (direction: string): number => {
    const m = new RegExp(`aae_keys_repaired_total\\{[^}]*direction="${direction}"[^}]*\\} (\\S+)`).exec(text);
    return m === null ? 0 : Number(m[1]);
  };
  return { pulled: counter('pulled'), pushed: counter('pushed') };
}

/** An R=1 GET of key-i: the detail of what came back, `ok` only for 200 `value-i`. */
async function readBack(httpPort: number, i: number): Promise<{ ok: boolean; detail: string }> {
  try {
    const res = await fetch(`http://127.0.0.1:${httpPort}/kv/${keyFor(i)}?r=1&timeout=1000`, {
      signal: AbortSignal.timeout(5000),
    });
    const body = Buffer.from(await res.arrayBuffer()).toString('utf8');
    return { ok: res.status === 200 && body === valueFor(i), detail: `${res.status} ${body.slice(0, 200)}` };
  } catch (err) {
    return { ok: false, detail: `error ${(err as Error).message}` };
  }
}

interface Convergence {
  intervalMs: number;
  sweeps: number;
  owned: number;
  exchanged: number;
  inSync: number;
  oldestExchangeAgeMs: number | null;
  namespaces: { ns: string; owned: number; inSync: number }[];
  total: number;
  partitions: { ok: boolean; segments: number; pulled: number; pushed: number; peer: string }[];
}

describe('hearsay kv (real processes): SIGSTOP during W=1 writes', () => {
  it('the resumed node holds every acknowledged write within two exchange intervals, without client reads', async () => {
    const dir = procs.tempDir('hearsay-kv-sigstop-');
    const config = join(dir, 'config.json');
    // Hints are offered once an hour: only anti-entropy can repair the stopped node within the test.
    writeFileSync(
      config,
      JSON.stringify({
        store: { antiEntropy: { intervalMs: EXCHANGE_INTERVAL_MS }, hints: { intervalMs: 3_600_000 } },
      }),
    );
    const seed = await procs.start({ name: 'n1', dataDir: join(dir, 'n1'), config });
    const others = await Promise.all(
      ['n2', 'n3'].map((n) => procs.start({ name: n, dataDir: join(dir, n), config, join: [seed.address] })),
    );
    const agents: Agent[] = [seed, ...others];
    await waitAllAlive(agents, 3, 15_000, 100);
    const [n1, n2, victim] = agents as [Agent, Agent, Agent];

    // With 3 nodes and N=3, the victim is a primary of every partition, so it alone can answer every key.
    const ring = await getJson<{ partitions: number; members: { id: string; primaries: number }[] }>(
      victim.httpPort,
      '/cluster/ring?n=3',
    );
    expect(ring, 'ring of the victim').toBeDefined();
    const victimPrimaries = ring?.members.find((m) => m.id === victim.name);
    expect(victimPrimaries?.primaries, `victim's primaries in ${JSON.stringify(ring?.members)}`).toBe(
      ring?.partitions,
    );

    // Stop the victim. Phase A writes at once: the coordinators still count the victim up and send it these
    // writes, which its kernel may buffer and it may apply on resume. Phase B writes once both others have
    // declared it dead: no coordinator sends them to it (and with 3 nodes there is no fallback to hold a hint),
    // so only anti-entropy can bring them to it.
    process.kill(victim.proc.pid!, 'SIGSTOP');
    const stoppedAt = Date.now();
    const acked: number[] = [];
    const failedWrites: number[] = [];
    const writePhase = async (from: number, to: number): Promise<void> => {
      let next = from;
      const writeDeadline = Date.now() + 20_000;
      const worker = async (): Promise<void> => {
        while (next < to && Date.now() < writeDeadline) {
          const i = next++;
          if (await put((i % 2 === 0 ? n1 : n2).httpPort, i, 1)) acked.push(i);
          else failedWrites.push(i);
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      if (next < to) failedWrites.push(...Array.from({ length: to - next }, (_, k) => next + k));
    };
    await writePhase(0, WRITES / 2);
    const phaseAMs = Date.now() - stoppedAt;
    const deadAfterMs = await waitDeclaredDead([n1, n2], victim.name, 20_000, stoppedAt);
    await writePhase(WRITES / 2, WRITES);
    const stoppedMs = Date.now() - stoppedAt;

    // Resume it; watch membership only (no /kv) until all three see each other alive.
    process.kill(victim.proc.pid!, 'SIGCONT');
    const resumedAt = Date.now();
    const aliveAfterMs = await waitAllAlive(agents, 3, 15_000, 100);
    // Two exchange intervals plus the membership margin from the resume, and never less than two intervals
    // after it was seen alive again.
    const deadline = Math.max(
      resumedAt + 2 * EXCHANGE_INTERVAL_MS + ALIVE_MARGIN_MS,
      resumedAt + aliveAfterMs + 2 * EXCHANGE_INTERVAL_MS,
    );
    await new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())));
    const waitedMs = Date.now() - resumedAt;
    // One page holds them all: at N = 3 each of the 3 nodes owns all 256 partitions, plus the global one.
    const conv = await getJson<Convergence>(
      victim.httpPort,
      '/cluster/convergence?detail=partitions&limit=1000',
    );
    const repaired = await Promise.all(agents.map((a) => keysRepaired(a.httpPort)));

    // Kill the two others: whatever the victim answers now comes from its own storage.
    const exits = [n1, n2].map((a) => new Promise((r) => a.proc.once('exit', r)));
    for (const a of [n1, n2]) process.kill(a.proc.pid!, 'SIGKILL');
    await Promise.all(exits);

    const failures: string[] = [];
    let cursor = 0;
    const sorted = [...acked].sort((a, b) => a - b);
    const reader = async (): Promise<void> => {
      while (cursor < sorted.length) {
        const i = sorted[cursor++]!;
        const outcome = await readBack(victim.httpPort, i);
        if (!outcome.ok) failures.push(`${keyFor(i)}: ${outcome.detail}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, reader));

    const partitions = conv?.partitions ?? [];
    console.log(
      `kv-sigstop: ${WRITES} W=1 writes while ${victim.name} was stopped for ${stoppedMs} ms ` +
        `(phase A ${WRITES / 2} in ${phaseAMs} ms, declared dead by both others ${deadAfterMs} ms after ` +
        `SIGSTOP, then phase B ${WRITES / 2}), ${acked.length} acked, ${failedWrites.length} failed; ` +
        `resumed node seen alive by all after ` +
        `${aliveAfterMs} ms, reads started ${waitedMs} ms after SIGCONT; convergence of ${victim.name}: ` +
        JSON.stringify({ ...conv, partitions: undefined, namespaces: undefined }) +
        ` (exchanges ok ${partitions.filter((p) => p.ok).length}/${partitions.length}, pulled ` +
        `${partitions.reduce((s, p) => s + p.pulled, 0)}, pushed ${partitions.reduce((s, p) => s + p.pushed, 0)} ` +
        `in the last exchanges); aae_keys_repaired_total (pulled/pushed) ` +
        agents.map((a, k) => `${a.name} ${repaired[k]?.pulled}/${repaired[k]?.pushed}`).join(', ') +
        '; ' +
        `${sorted.length} read back from ${victim.name} alone, ${failures.length} failures`,
    );
    if (failures.length > 0) {
      console.log(
        `first failures:\n${failures.slice(0, 10).join('\n')}\n` +
          agents.map((a) => `--- ${a.name} output ---\n${a.output().slice(-4000)}`).join('\n'),
      );
    }
    expect(failedWrites.length, `failed W=1 writes: ${failedWrites.slice(0, 10).join(', ')}`).toBe(0);
    expect(acked.length).toBe(WRITES);
    expect({ count: failures.length, first: failures.slice(0, 10) }).toEqual({ count: 0, first: [] });
    // Phase B never reached the victim through a write, a hint or a read: anti-entropy must have repaired keys.
    const repairedTotal = repaired.reduce((s, r) => s + r.pulled + r.pushed, 0);
    expect(repairedTotal, 'keys repaired by anti-entropy (all nodes, both directions)').toBeGreaterThan(0);
  }, 90_000);
});
