import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DURABILITIES } from '../../src/storage/storage.js';
import {
  type Agent,
  AgentProcesses,
  keyFor,
  put,
  requireBuiltCli,
  valueFor,
  waitAllAlive,
} from './agent-process.js';

// Real processes of the built CLI (npm test builds first) on 127.0.0.1, each with a durable data directory.
// A writer loop PUTs distinct keys with W=2 while one node is SIGKILLed; the node is restarted on the same
// data directory and gossip port, and every acknowledged write must then be readable with R=2. Run for each
// durability: `os` acknowledges once the commit is in the page cache, which a process kill must not lose.
const procs = new AgentProcesses();

beforeAll(requireBuiltCli);
afterEach(() => procs.cleanup());

interface ReadOutcome {
  readonly ok: boolean;
  /** Worth another try: 503 or a transport error, never a wrong answer. */
  readonly retryable: boolean;
  readonly detail: string;
}

/** An R=2 GET of key-i: fine when it is 200 `value-i`, or 300 with `value-i` among the siblings. */
async function readBack(httpPort: number, i: number): Promise<ReadOutcome> {
  const want = valueFor(i);
  try {
    const res = await fetch(`http://127.0.0.1:${httpPort}/kv/${keyFor(i)}?r=2`, {
      signal: AbortSignal.timeout(3000),
    });
    const body = Buffer.from(await res.arrayBuffer()).toString('utf8');
    if (res.status === 200) {
      return { ok: body === want, retryable: false, detail: `200 ${JSON.stringify(body)}` };
    }
    if (res.status === 300) {
      const parsed = JSON.parse(body) as { siblings: { value: string }[] };
      const values = parsed.siblings.map((s) => Buffer.from(s.value, 'base64').toString('utf8'));
      return { ok: values.includes(want), retryable: false, detail: `300 ${JSON.stringify(values)}` };
    }
    return { ok: false, retryable: res.status === 503, detail: `${res.status} ${body}` };
  } catch (err) {
    return { ok: false, retryable: true, detail: `error ${(err as Error).message}` };
  }
}

describe.each(DURABILITIES)(
  'hearsay kv (real processes, durability %s): kill -9 during W=2 writes',
  (durability) => {
    it('every write acknowledged with W=2 is readable with R=2 after the killed node restarts', async () => {
      const dir = procs.tempDir('hearsay-kv-kill-');
      const seed = await procs.start({ name: 'n1', dataDir: join(dir, 'n1'), durability });
      const others = await Promise.all(
        ['n2', 'n3'].map((n) =>
          procs.start({ name: n, dataDir: join(dir, n), join: [seed.address], durability }),
        ),
      );
      const agents: Agent[] = [seed, ...others];
      await waitAllAlive(agents, 3, 15_000);

      // The writer: 4 in flight, distinct keys, round-robin over the agents that are up.
      const MAX_ATTEMPTS = 4000;
      const WRITE_BUDGET_MS = 30_000;
      const victimIndex = 2;
      let down = -1;
      let stop = false;
      let next = 0;
      let killed = false;
      const ackedBefore: number[] = [];
      const ackedAfter: number[] = [];
      let failedWrites = 0;
      const writeDeadline = Date.now() + WRITE_BUDGET_MS;
      const worker = async (): Promise<void> => {
        while (!stop && next < MAX_ATTEMPTS && Date.now() < writeDeadline) {
          const i = next++;
          const up = agents.filter((_, k) => k !== down);
          const target = up[i % up.length]!;
          const afterKill = killed;
          if (await put(target.httpPort, i, 2)) (afterKill ? ackedAfter : ackedBefore).push(i);
          else failedWrites++;
        }
      };
      const writers = Promise.all([worker(), worker(), worker(), worker()]);

      // After ~100 acknowledged writes, SIGKILL a node that is not the join seed while writes continue.
      const ackDeadline = Date.now() + 20_000;
      while (ackedBefore.length < 100 && Date.now() < ackDeadline && next < MAX_ATTEMPTS) {
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(ackedBefore.length, 'acknowledged writes before the kill').toBeGreaterThanOrEqual(100);
      const victim = agents[victimIndex]!;
      const exited = new Promise((r) => victim.proc.once('exit', r));
      down = victimIndex;
      killed = true;
      process.kill(victim.proc.pid!, 'SIGKILL');
      await exited;

      // Keep writing for ~1.5 s more (the attempt count and the write budget bound it too), then stop.
      await new Promise((r) => setTimeout(r, 1500));
      stop = true;
      await writers;
      const attempts = next;

      // Restart it under the same name, data directory and gossip port, joining the seed.
      const again = await procs.start({
        name: victim.name,
        dataDir: join(dir, victim.name),
        port: victim.gossipPort,
        join: [seed.address],
        durability,
      });
      expect(again.address).toBe(victim.address);
      agents[victimIndex] = again;
      down = -1;
      await waitAllAlive(agents, 3, 20_000);

      // Every acknowledged key, read back with R=2 round-robin; 503s and transport errors get a few retries.
      const acked = [...ackedBefore, ...ackedAfter].sort((a, b) => a - b);
      const failures: string[] = [];
      let retries = 0;
      let cursor = 0;
      const readDeadline = Date.now() + 20_000;
      const reader = async (): Promise<void> => {
        while (cursor < acked.length) {
          const n = cursor++;
          const i = acked[n]!;
          let outcome: ReadOutcome = { ok: false, retryable: true, detail: 'not read (read budget spent)' };
          for (let attempt = 0; attempt < 3 && Date.now() < readDeadline; attempt++) {
            const a = agents[(n + attempt) % agents.length]!;
            outcome = await readBack(a.httpPort, i);
            if (outcome.ok || !outcome.retryable) break;
            retries++;
            await new Promise((r) => setTimeout(r, 100));
          }
          if (!outcome.ok) failures.push(`${keyFor(i)}: ${outcome.detail}`);
        }
      };
      await Promise.all(Array.from({ length: 8 }, reader));

      console.log(
        `kv-kill (${durability}): ${attempts} writes attempted, ${ackedBefore.length} acked before the kill, ` +
          `${ackedAfter.length} acked after it, ${failedWrites} failed; ${acked.length} read back with ` +
          `${retries} retries, ${failures.length} failures`,
      );
      if (failures.length > 0) {
        console.log(
          `first failures:\n${failures.slice(0, 10).join('\n')}\n` +
            agents.map((a) => `--- ${a.name} output ---\n${a.output().slice(-4000)}`).join('\n') +
            `\n--- ${victim.name} (killed) output ---\n${victim.output().slice(-4000)}`,
        );
      }
      expect({ count: failures.length, first: failures.slice(0, 10) }).toEqual({ count: 0, first: [] });
      expect(acked.length).toBeGreaterThanOrEqual(100);
    }, 90_000);
  },
);
