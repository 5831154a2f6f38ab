import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pingNode } from '../../src/cli/ping.js';
import { seededRandom } from '../../src/runtime/random.js';
import { RealScheduler } from '../../src/runtime/real.js';
import { UdpTransport } from '../../src/transport/udp-transport.js';

// Real processes of the built CLI (npm test builds first) on 127.0.0.1.
const CLI = 'dist/src/cli/main.js';
const started: ChildProcess[] = [];

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does)`);
});

afterEach(() => {
  for (const p of started.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

/** Starts an agent and resolves with its gossip address once it prints it (bounded wait). */
function startAgent(name: string, port = 0): Promise<{ proc: ChildProcess; address: string }> {
  const proc = spawn(process.execPath, [CLI, 'agent', '--name', name, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(proc);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`agent ${name} did not start: ${out}`)), 15_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const m = /listening on (\S+) /.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve({ proc, address: m[1] as string });
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`agent ${name} exited with ${code}: ${out}`));
    });
  });
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
  it('three agents answer pings by name; a kill -9 one stops; restarted on its port it answers again', async () => {
    const agents = await Promise.all(['a1', 'a2', 'a3'].map((n) => startAgent(n)));
    for (const [i, a] of agents.entries()) expect(await pingOnce(a.address, `a${i + 1}`)).toBe(true);
    // A node answers only for its own name (memberlist: a node that took a dead node's address must not vouch).
    expect(await pingOnce(agents[0]!.address, 'a2')).toBe(false);

    const victim = agents[1]!;
    const exited = new Promise((r) => victim.proc.once('exit', r));
    victim.proc.kill('SIGKILL');
    await exited;
    expect(await pingOnce(victim.address, 'a2')).toBe(false);

    const port = Number(victim.address.split(':').pop());
    const again = await startAgent('a2', port);
    expect(again.address).toBe(victim.address);
    expect(await pingOnce(again.address, 'a2')).toBe(true);
  });

  it('rejects bad flags with a clear message and exit code 2', () => {
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
