import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Shared by the integration tests that run real processes of the built CLI (npm test builds first) on
// 127.0.0.1: spawning `agent`, waiting for its addresses, polling membership and cleaning up afterwards.

export const CLI = 'dist/src/cli/main.js';

/** For `beforeAll`: fails fast when the CLI has not been built. */
export function requireBuiltCli(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does)`);
}

export interface Agent {
  readonly name: string;
  readonly proc: ChildProcess;
  /** The gossip address it printed, `host:port`. */
  readonly address: string;
  readonly gossipPort: number;
  readonly httpPort: number;
  /** Everything the process printed so far (stdout and stderr, the last 20 000 characters). */
  output(): string;
}

export interface AgentOptions {
  readonly name: string;
  /** `--data-dir`: a directory, or `:memory:`. */
  readonly dataDir: string;
  /** Gossip port; 0 (the default) lets the system pick one. */
  readonly port?: number;
  /** `--config` file, when given. */
  readonly config?: string;
  /** Seeds to `--join`; none by default. */
  readonly join?: readonly string[];
  /** `--durability`; the agent's default when absent. */
  readonly durability?: 'sync' | 'os';
}

const OUTPUT_KEEP = 20_000;
const START_BUDGET_MS = 15_000;
const EXIT_BUDGET_MS = 5000;

/**
 * The agent processes and temporary directories one test file started. Call `cleanup()` from `afterEach`:
 * it SIGKILLs whatever still runs (which also ends a SIGSTOPped process) and removes the directories.
 */
export class AgentProcesses {
  readonly #procs: ChildProcess[] = [];
  readonly #dirs: string[] = [];

  /** A new temporary directory, removed by `cleanup()`. */
  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.#dirs.push(dir);
    return dir;
  }

  /** Starts an agent (`--http-port 0 --profile local`) and resolves with its addresses once it prints them (bounded wait). */
  start(opts: AgentOptions): Promise<Agent> {
    const { name } = opts;
    const args = [
      CLI,
      'agent',
      '--name',
      name,
      '--port',
      String(opts.port ?? 0),
      '--http-port',
      '0',
      '--profile',
      'local',
      '--data-dir',
      opts.dataDir,
    ];
    if (opts.config !== undefined) args.push('--config', opts.config);
    if (opts.durability !== undefined) args.push('--durability', opts.durability);
    if (opts.join !== undefined && opts.join.length > 0) args.push('--join', opts.join.join(','));
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#procs.push(proc);
    let out = '';
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (out.length > OUTPUT_KEEP) out = out.slice(-OUTPUT_KEEP);
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`agent ${name} did not start: ${out}`)),
        START_BUDGET_MS,
      );
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

  /** SIGKILLs every process still running, waits (bounded) for them to exit, then removes the directories. */
  async cleanup(): Promise<void> {
    const exits: Promise<unknown>[] = [];
    for (const p of this.#procs.splice(0)) {
      if (p.exitCode === null && p.signalCode === null) {
        exits.push(new Promise((r) => p.once('exit', r)));
        // SIGKILL also ends a SIGSTOPped process.
        p.kill('SIGKILL');
      }
    }
    // Bounded: a SIGKILLed child exits at once, but never wait forever on it.
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, EXIT_BUDGET_MS))]);
    for (const d of this.#dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

/** GET `path` as JSON (2 s timeout); undefined for a non-200 answer or any failure. */
export async function getJson<T>(httpPort: number, path: string): Promise<T | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${httpPort}${path}`, { signal: AbortSignal.timeout(2000) });
    if (res.status !== 200) {
      await res.arrayBuffer();
      return undefined;
    }
    return (await res.json()) as T;
  } catch {
    return undefined;
  }
}

/** How many members the agent reports alive, or -1 when its member list is unreadable. */
export async function aliveSeenBy(a: Agent): Promise<number> {
  const body = await getJson<{ members: { name: string; state: string }[] }>(a.httpPort, '/cluster/members');
  return body === undefined ? -1 : body.members.filter((m) => m.state === 'alive').length;
}

/** Polls (real time, bounded, every `pollMs`) until every agent sees `n` alive members; the time it took, in ms. */
export async function waitAllAlive(
  agents: readonly Agent[],
  n: number,
  budgetMs: number,
  pollMs = 200,
): Promise<number> {
  const start = Date.now();
  const deadline = start + budgetMs;
  let last: number[] = [];
  while (Date.now() < deadline) {
    last = await Promise.all(agents.map(aliveSeenBy));
    if (last.every((c) => c === n)) return Date.now() - start;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  throw new Error(`not every agent saw ${n} alive within ${budgetMs} ms: ${JSON.stringify(last)}`);
}

export const keyFor = (i: number): string => `key-${i}`;
export const valueFor = (i: number): string => `value-${i}`;

/** One acknowledged (204) PUT of key-i = value-i with the given W, or false for any failure (non-204, refused, reset, timeout). */
export async function put(httpPort: number, i: number, w: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${httpPort}/kv/${keyFor(i)}?w=${w}`, {
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
