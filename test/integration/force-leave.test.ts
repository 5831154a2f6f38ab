import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, AgentProcesses, CLI, getJson, requireBuiltCli, waitAllAlive } from './agent-process.js';

// Real processes of the built CLI on 127.0.0.1: a member killed for good is failed, not gone; an operator's
// `hearsay force-leave` turns it into `left` on every agent and the store stops placing partitions on it.
const procs = new AgentProcesses();

beforeAll(requireBuiltCli);
afterEach(() => procs.cleanup());

type MemberRow = { name: string; state: string };

/** The state `a` reports for member `name` ('' when it does not list it or does not answer). */
async function stateOf(a: Agent, name: string): Promise<string> {
  const body = await getJson<{ members: MemberRow[] }>(a.httpPort, '/cluster/members');
  return body?.members.find((m) => m.name === name)?.state ?? '';
}

/** Polls (real time, bounded) until `cond` holds; throws with `what` when the budget runs out. */
async function waitFor(cond: () => Promise<boolean>, budgetMs: number, what: string): Promise<void> {
  const deadline = Date.now() + budgetMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${budgetMs} ms waiting until ${what}`);
}

function cli(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 15_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('hearsay force-leave (real processes)', () => {
  it('a killed member is failed until force-leave, then left everywhere and out of the ring', async () => {
    const dir = procs.tempDir('hearsay-force-leave-');
    const seed = await procs.start({ name: 'n1', dataDir: join(dir, 'n1') });
    const n2 = await procs.start({ name: 'n2', dataDir: join(dir, 'n2'), join: [seed.address] });
    const n3 = await procs.start({ name: 'n3', dataDir: join(dir, 'n3'), join: [seed.address] });
    await waitAllAlive([seed, n2, n3], 3, 15_000);

    n3.proc.kill('SIGKILL');
    await waitFor(
      async () => (await stateOf(seed, 'n3')) === 'failed' && (await stateOf(n2, 'n3')) === 'failed',
      30_000,
      'both survivors show n3 failed',
    );
    const http = `127.0.0.1:${seed.httpPort}`;

    const live = cli('force-leave', 'n2', '--http', http);
    expect(live.status).not.toBe(0);
    expect(live.out).toContain('not failed');
    const unknown = cli('force-leave', 'nobody', '--http', http);
    expect(unknown.status).not.toBe(0);
    expect(unknown.out).toContain('no such member');

    const ok = cli('force-leave', 'n3', '--http', http);
    expect(ok.out).toContain('n3: left');
    expect(ok.status).toBe(0);
    expect(await stateOf(seed, 'n3')).toBe('left');
    await waitFor(async () => (await stateOf(n2, 'n3')) === 'left', 15_000, 'n2 shows n3 left');
    for (const a of [seed, n2]) {
      const ring = await getJson<{ members: { id: string }[] }>(a.httpPort, '/cluster/ring?n=3');
      expect(ring?.members.map((m) => m.id).sort()).toEqual(['n1', 'n2']);
    }
    expect(cli('force-leave', 'n3', '--http', http).out).toContain('already left');
  });
});
