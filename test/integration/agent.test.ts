import { spawn, spawnSync } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pingNode } from '../../src/cli/ping.js';
import { seededRandom } from '../../src/runtime/random.js';
import { RealScheduler } from '../../src/runtime/real.js';
import { UdpTransport } from '../../src/transport/udp-transport.js';
import { type Agent, AgentProcesses, CLI, requireBuiltCli } from './agent-process.js';

// Real processes of the built CLI (npm test builds first) on 127.0.0.1.
const procs = new AgentProcesses();

beforeAll(requireBuiltCli);
afterEach(() => procs.cleanup());

/** Starts an in-memory agent and resolves with its addresses once it prints them (bounded wait). */
const startAgent = (name: string, port = 0, join: readonly string[] = []): Promise<Agent> =>
  procs.start({ name, dataDir: ':memory:', port, join });

async function membersOf(a: Agent): Promise<Map<string, { state: string; incarnation: number }>> {
  const res = await fetch(`http://127.0.0.1:${a.httpPort}/cluster/members`, {
    signal: AbortSignal.timeout(2000),
  });
  const body = (await res.json()) as { members: { name: string; state: string; incarnation: number }[] };
  return new Map(body.members.map((m) => [m.name, m]));
}

/** Polls (real time, bounded) until every agent in `viewers` reports `name` in `state`. */
async function waitForState(
  viewers: readonly Agent[],
  name: string,
  state: string,
  budgetMs: number,
): Promise<void> {
  const deadline = Date.now() + budgetMs;
  let last = '';
  while (Date.now() < deadline) {
    const views = await Promise.all(viewers.map(membersOf));
    last = JSON.stringify(views.map((v) => v.get(name)?.state));
    if (views.every((v) => v.get(name)?.state === state)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} not ${state} everywhere within ${budgetMs} ms: ${last}`);
}

async function pingOnce(address: string, node: string): Promise<boolean> {
  const transport = await UdpTransport.bind({
    host: '127.0.0.1',
    port: 0,
    scheduler: new RealScheduler(seededRandom(1)),
  });
  try {
    const [o] = await pingNode(transport, {
      target: address,
      node,
      cluster: 'hearsay',
      sender: 'test',
      count: 1,
      timeoutMs: 2000,
    });
    return o?.rttMs !== null;
  } finally {
    await transport.close();
  }
}

describe('hearsay agent (real processes)', () => {
  it('5 agents form a cluster; kill -9 of one is detected; restarted, it rejoins; SIGTERM leaves', async () => {
    const seed = await startAgent('a1');
    const others = await Promise.all(['a2', 'a3', 'a4', 'a5'].map((n) => startAgent(n, 0, [seed.address])));
    const agents = [seed, ...others];
    for (const name of ['a1', 'a2', 'a3', 'a4', 'a5']) await waitForState(agents, name, 'alive', 20_000);
    // The CLI reads the same views over HTTP.
    const members = spawnSync(process.execPath, [CLI, 'members', '--http', `127.0.0.1:${seed.httpPort}`], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(members.status).toBe(0);
    expect(members.stdout.split('\n').filter((l) => / alive /.test(l))).toHaveLength(5);
    const ring = spawnSync(process.execPath, [CLI, 'ring', '--http', `127.0.0.1:${seed.httpPort}`], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(ring.status).toBe(0);
    expect(ring.stdout).toMatch(/^256 partitions, 3 replicas each/);
    // With 5 members and N = 3, the primaries add up to 3 · 256.
    const primaries = ring.stdout
      .split('\n')
      .slice(2)
      .filter((l) => l.trim() !== '')
      .map((l) => Number(l.trim().split(/\s+/).pop()));
    expect(primaries).toHaveLength(5);
    expect(primaries.reduce((a, b) => a + b, 0)).toBe(3 * 256);
    // The gossip port also answers wire-level pings, by name only.
    expect(await pingOnce(seed.address, 'a1')).toBe(true);
    expect(await pingOnce(seed.address, 'a2')).toBe(false);

    const victim = agents[2]!;
    const exited = new Promise((r) => victim.proc.once('exit', r));
    victim.proc.kill('SIGKILL');
    await exited;
    const survivors = agents.filter((a) => a !== victim);
    await waitForState(survivors, 'a3', 'failed', 30_000);

    const again = await startAgent('a3', victim.gossipPort, [seed.address]);
    expect(again.address).toBe(victim.address);
    await waitForState([...survivors, again], 'a3', 'alive', 30_000);
    const view = await membersOf(seed);
    expect(view.get('a3')!.incarnation).toBeGreaterThan(1);

    const leaver = agents[4]!;
    const left = new Promise<number | null>((r) => leaver.proc.once('exit', (code) => r(code)));
    leaver.proc.kill('SIGTERM');
    expect(await left).toBe(0);
    await waitForState([seed, agents[1]!, agents[3]!, again], 'a5', 'left', 20_000);
  });

  it('rejects bad flags with a clear message and exit code 2', () => {
    const n0 = spawnSync(process.execPath, [CLI, 'ring', '--n', '0'], { encoding: 'utf8', timeout: 15_000 });
    expect(n0.status).toBe(2);
    expect(n0.stderr).toMatch(/must be an integer in \[1, 64\]/);
    const r = spawnSync(process.execPath, [CLI, 'agent', '--port', '70000'], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/port must be an integer port/);
    const j = spawnSync(process.execPath, [CLI, 'agent', '--join', 'nohost'], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(j.status).toBe(2);
    expect(j.stderr).toMatch(/not host:port/);
  });

  it('--log-level debug logs JSON lines with node and msg on stderr; a bad level is refused with exit 2', async () => {
    const proc = spawn(
      process.execPath,
      [CLI, 'agent', '--name', 'logger1', '--port', '0', '--http-port', '0', '--profile', 'local'].concat([
        '--data-dir',
        ':memory:',
        '--log-level',
        'debug',
      ]),
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let stdout = '';
    proc.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`agent did not start: ${stdout} ${stderr}`)), 15_000);
        const check = (): void => {
          if (stderr.includes('"msg":"node started"') && stdout.includes('store: data in')) {
            clearTimeout(timer);
            resolve();
          }
        };
        proc.stderr.on('data', (c: Buffer) => {
          stderr += c.toString();
          check();
        });
        proc.stdout.on('data', check);
      });
      // An answer over HTTP means the agent's event loop turned, so its signal handlers are installed.
      const httpPort = /http 127\.0\.0\.1:(\d+)/.exec(stdout)?.[1];
      const health = await fetch(`http://127.0.0.1:${httpPort}/health`, {
        signal: AbortSignal.timeout(5000),
      });
      await health.arrayBuffer();
      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      proc.kill('SIGKILL');
    }
    // Logs go to stderr only (stdout keeps the human banner), one JSON object per line.
    expect(stdout).toMatch(/listening on/);
    expect(stdout).not.toMatch(/"msg"/);
    const lines = stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      expect(l.node).toBe('logger1');
      expect(typeof l.msg).toBe('string');
      expect(typeof l.level).toBe('string');
    }
    const msgs = lines.map((l) => l.msg);
    expect(msgs).toEqual(expect.arrayContaining(['node started', 'leaving the cluster', 'node stopped']));
    expect(lines.find((l) => l.msg === 'node started')).toMatchObject({ level: 'info', cluster: 'hearsay' });

    const bad = spawnSync(process.execPath, [CLI, 'agent', '--log-level', 'nonsense'], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/logLevel must be one of debug, info, warn, error, silent, got "nonsense"/);
    const badEnv = spawnSync(process.execPath, [CLI, 'agent'], {
      encoding: 'utf8',
      timeout: 15_000,
      env: { ...process.env, HEARSAY_LOG_LEVEL: 'loud' },
    });
    expect(badEnv.status).toBe(2);
    expect(badEnv.stderr).toMatch(/logLevel must be one of/);
    const badDev = spawnSync(process.execPath, [CLI, 'dev', '--log-level', 'nonsense'], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(badDev.status).toBe(2);
    expect(badDev.stderr).toMatch(/logLevel must be one of/);
  });

  it('ping exits non-zero when nothing answers', () => {
    const r = spawnSync(
      process.execPath,
      [CLI, 'ping', '127.0.0.1:9', '--node', 'x', '--timeout', '200', '--count', '1'],
      {
        encoding: 'utf8',
        timeout: 15_000,
      },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no ack from x/);
  });
});
