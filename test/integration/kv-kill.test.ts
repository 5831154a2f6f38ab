import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

// Real processes of the built CLI (npm test builds first) on 127.0.0.1, each with a durable data directory.
// A writer loop PUTs distinct keys with W=2 while one node is SIGKILLed; the node is restarted on the same
// data directory and gossip port, and every acknowledged write must then be readable with R=2.
const CLI = 'dist/src/cli/main.js';
const started: ChildProcess[] = [];
const dirs: string[] = [];

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does)`);
});

afterEach(async () => {
  const exits: Promise<unknown>[] = [];
  for (const p of started.splice(0)) {
    if (p.exitCode === null && p.signalCode === null) {
      exits.push(new Promise((r) => p.once('exit', r)));
      p.kill('SIGKILL');
    }
  }
  // Bounded: a SIGKILLed child exits at once, but never wait forever on it.
  await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 5000))]);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Agent {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly address: string;
  readonly gossipPort: number;
  readonly httpPort: number;
  /** Everything the process printed so far (stdout and stderr, the last 20 000 characters). */
  output(): string;
}

const OUTPUT_KEEP = 20_000;

/** Starts an agent and resolves with its addresses once it prints them (bounded wait). */
function startAgent(name: string, dataDir: string, port: number, join: readonly string[]): Promise<Agent> {
  const args = [
    CLI,
    'agent',
    '--name',
    name,
    '--port',
    String(port),
    '--http-port',
    '0',
    '--profile',
    'local',
    '--data-dir',
    dataDir,
  ];
  if (join.length > 0) args.push('--join', join.join(','));
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(proc);
  let out = '';
  const onData = (chunk: Buffer): void => {
    out += chunk.toString();
    if (out.length > OUTPUT_KEEP) out = out.slice(-OUTPUT_KEEP);
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent ${name} did not start: ${out}`)), 15_000);
    const onStart = (): void => {
      const m = /listening on (\S+) .*http 127\.0\.0\.1:(\d+)/.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      proc.stdout?.off('data', onStart);
      proc.stderr?.off('data', onStart);
      const address = m[1] as string;
      resolve({
        name,
        proc,
        address,
        gossipPort: Number(address.split(':').pop()),
        httpPort: Number(m[2]),
        output: () => out,
      });
    };
    proc.stdout?.on('data', onStart);
    proc.stderr?.on('data', onStart);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`agent ${name} exited with ${code ?? signal}: ${out}`));
    });
  });
}

async function aliveSeenBy(a: Agent): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${a.httpPort}/cluster/members`, {
      signal: AbortSignal.timeout(2000),
    });
    const body = (await res.json()) as { members: { name: string; state: string }[] };
    return body.members.filter((m) => m.state === 'alive').length;
  } catch {
    return -1;
  }
}

/** Polls (real time, bounded) until every agent sees `n` alive members. */
async function waitAllAlive(agents: readonly Agent[], n: number, budgetMs: number): Promise<void> {
  const deadline = Date.now() + budgetMs;
  let last: number[] = [];
  while (Date.now() < deadline) {
    last = await Promise.all(agents.map(aliveSeenBy));
    if (last.every((c) => c === n)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not every agent saw ${n} alive within ${budgetMs} ms: ${JSON.stringify(last)}`);
}

const keyFor = (i: number): string => `key-${i}`;
const valueFor = (i: number): string => `value-${i}`;

/** One acknowledged (204) W=2 PUT, or false for any failure (non-204, refused, reset, timeout). */
async function put(httpPort: number, i: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${httpPort}/kv/${keyFor(i)}?w=2`, {
      method: 'PUT',
      body: valueFor(i),
      signal: AbortSignal.timeout(3000),
    });
    await res.arrayBuffer();
    return res.status === 204;
  } catch {
    return false;
  }
}

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

describe('hearsay kv (real processes): kill -9 during W=2 writes', () => {
  it('every write acknowledged with W=2 is readable with R=2 after the killed node restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearsay-kv-kill-'));
    dirs.push(dir);
    const seed = await startAgent('n1', join(dir, 'n1'), 0, []);
    const others = await Promise.all(['n2', 'n3'].map((n) => startAgent(n, join(dir, n), 0, [seed.address])));
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
        if (await put(target.httpPort, i)) (afterKill ? ackedAfter : ackedBefore).push(i);
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
    const again = await startAgent(victim.name, join(dir, victim.name), victim.gossipPort, [seed.address]);
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
      `kv-kill: ${attempts} writes attempted, ${ackedBefore.length} acked before the kill, ` +
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
});
