import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, requireBuiltCli } from './agent-process.js';

// `npm start` and `hearsay dev` stopped the way a process manager or a closing terminal stops them: one signal
// to the PID that was started. Afterwards every port of every node (UDP and TCP gossip, TCP HTTP) must bind
// again and no process of the cluster may be left (issue #12: npm exited and left `dev` running on its ports).
// Linux only: the dev process under npm is found, and checked gone, through /proc.

const NODES = 3;
const START_BUDGET_MS = 30_000;
/** dev's own bound on leaving is 8 s; this adds the 500 ms parent poll and slack. */
const STOP_BUDGET_MS = 15_000;
const POLL_MS = 100;
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
type Signal = (typeof SIGNALS)[number];

interface Ports {
  /** `--base-port`: gossip ports are gossip … gossip + NODES - 1, UDP and TCP. */
  readonly gossip: number;
  /** `--http-base-port`: HTTP ports likewise, TCP. */
  readonly http: number;
}

const allPorts = (p: Ports): number[] =>
  Array.from({ length: NODES }, (_, i) => [p.gossip + i, p.http + i]).flat();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function listenTcp(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(undefined));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(s));
  });
}

function bindUdp(port: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(undefined));
    s.bind(port, '127.0.0.1', () => resolve(s));
  });
}

/** Whether both TCP and UDP 127.0.0.1:port can be bound now (each is released at once). */
async function portFree(port: number): Promise<boolean> {
  const tcp = await listenTcp(port);
  if (tcp === undefined) return false;
  await new Promise((r) => tcp.close(r));
  const udp = await bindUdp(port);
  if (udp === undefined) return false;
  await new Promise<void>((r) => udp.close(r));
  return true;
}

async function busyPorts(p: Ports): Promise<number[]> {
  const busy: number[] = [];
  for (const port of allPorts(p)) if (!(await portFree(port))) busy.push(port);
  return busy;
}

/** 2·NODES free ports, gossip then HTTP, picked below Linux's ephemeral range where port-0 binds never land. */
async function pickPorts(): Promise<Ports> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const gossip = 20_000 + Math.floor(Math.random() * 12_000);
    const ports = { gossip, http: gossip + NODES };
    if ((await busyPorts(ports)).length === 0) return ports;
  }
  throw new Error('no free block of ports found');
}

/** A process's state letter and parent from /proc, or undefined once it is gone. */
function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state as string, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

/** Running: present and not a zombie (an exited orphan may wait for its reaper for a while). */
function running(pid: number): boolean {
  const s = procStat(pid);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X';
}

/** Running `hearsay dev` processes with this `--base-port` (picked per test, so they are this test's). */
function devPids(basePort: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const at = argv.indexOf('--base-port');
    if (argv[1]?.endsWith(CLI) && argv[2] === 'dev' && at > 0 && argv[at + 1] === String(basePort)) {
      if (running(Number(entry))) found.push(Number(entry));
    }
  }
  return found;
}

/** Polls `check` every POLL_MS until it holds; fails with `what()` after `budgetMs`. */
async function waitFor(check: () => boolean | Promise<boolean>, budgetMs: number, what: () => string) {
  const deadline = Date.now() + budgetMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`within ${budgetMs} ms: ${what()}`);
    await sleep(POLL_MS);
  }
}

async function healthy(httpPort: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${httpPort}/health`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

interface Started {
  readonly proc: ChildProcess;
  readonly ports: Ports;
  /** stdout and stderr so far: npm's and, through the pipes it inherited, the dev process's. */
  output(): string;
  exited(): boolean;
  /** Resolves with the exit code and signal once the started process has exited. */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: Started[] = [];
let pkgDir = '';

/**
 * `npm start` as a user runs it, or `hearsay dev` directly. Under npm the package is a copy in a temp dir
 * whose `build` script is a no-op over the already built dist/src: the real build would rewrite dist/ under
 * the other test files running in parallel. The start script itself is this package's, unchanged.
 */
function startCluster(how: 'npm' | 'node', ports: Ports): Started {
  const flags = ['--base-port', String(ports.gossip), '--http-base-port', String(ports.http)];
  const proc =
    how === 'npm'
      ? spawn('npm', ['start', '--', ...flags], {
          cwd: pkgDir,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, npm_config_update_notifier: 'false' },
        })
      : spawn(process.execPath, [CLI, 'dev', ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const onData = (chunk: Buffer): void => {
    out += chunk.toString();
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  let done = false;
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  const s: Started = { proc, ports, output: () => out, exited: () => done, exit };
  started.push(s);
  return s;
}

/** Until the banner is printed and every node's HTTP port answers /health. */
async function waitStarted(s: Started): Promise<void> {
  await waitFor(
    async () => {
      if (s.exited()) throw new Error(`exited during start-up: ${s.output()}`);
      if (!s.output().includes('Ctrl-C stops the cluster')) return false;
      const ok = await Promise.all(Array.from({ length: NODES }, (_, i) => healthy(s.ports.http + i)));
      return ok.every(Boolean);
    },
    START_BUDGET_MS,
    () => `the cluster did not start: ${s.output()}`,
  );
}

/** The dev process holding the cluster: npm's direct child (the start script execs node), or `s` itself. */
function devPidOf(s: Started, how: 'npm' | 'node'): number {
  const pid = s.proc.pid as number;
  if (how === 'node') return pid;
  const pids = devPids(s.ports.gossip);
  expect(pids, s.output()).toHaveLength(1);
  const dev = pids[0] as number;
  // No shell between npm and node: npm forwards SIGTERM and SIGINT to its child, a shell would not.
  expect(procStat(dev)?.ppid).toBe(pid);
  return dev;
}

/** Signals the started PID, then: it and the dev process are gone and every port binds again, all bounded. */
async function signalAndCheckStopped(s: Started, devPid: number, signal: Signal): Promise<void> {
  process.kill(s.proc.pid as number, signal);
  await waitFor(s.exited, STOP_BUDGET_MS, () => `${signal}: the started process still runs: ${s.output()}`);
  await waitFor(
    () => !running(devPid),
    STOP_BUDGET_MS,
    () => `${signal}: dev process ${devPid} still runs: ${s.output()}`,
  );
  let busy: number[] = [];
  await waitFor(
    async () => {
      busy = await busyPorts(s.ports);
      return busy.length === 0;
    },
    5000,
    () => `${signal}: ports ${busy.join(', ')} still bound: ${s.output()}`,
  );
}

beforeAll(() => {
  requireBuiltCli();
  pkgDir = mkdtempSync(join(tmpdir(), 'hearsay-start-'));
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
  pkg.scripts.build = 'true';
  writeFileSync(join(pkgDir, 'package.json'), JSON.stringify(pkg, null, 2));
  mkdirSync(join(pkgDir, 'dist'));
  cpSync('dist/src', join(pkgDir, 'dist/src'), { recursive: true });
  // rmSync below removes the link, not the shared node_modules it points to.
  symlinkSync(realpathSync('node_modules'), join(pkgDir, 'node_modules'));
});

afterEach(async () => {
  // Whatever a failed test left: the started PIDs and the dev processes on their (per-test) ports.
  for (const s of started.splice(0)) {
    const pids = [s.proc.pid as number, ...devPids(s.ports.gossip)];
    for (const pid of pids) if (running(pid)) process.kill(pid, 'SIGKILL');
    await Promise.race([s.exit, sleep(5000)]);
  }
});

afterAll(() => {
  if (pkgDir !== '') rmSync(pkgDir, { recursive: true, force: true });
});

describe.skipIf(process.platform !== 'linux')(
  'a signal to the started PID stops the whole dev cluster',
  () => {
    for (const signal of SIGNALS) {
      it(`npm start, ${signal} to npm: no orphan, every port free`, async () => {
        const s = startCluster('npm', await pickPorts());
        await waitStarted(s);
        const dev = devPidOf(s, 'npm');
        await signalAndCheckStopped(s, dev, signal);
        // npm forwards SIGTERM and SIGINT; it does not forward SIGHUP, and dev sees it re-parented instead.
        const why = signal === 'SIGHUP' ? `parent process ${s.proc.pid} exited` : signal;
        expect(s.output()).toContain(`hearsay: ${why}: stopping ${NODES} node(s)`);
      });
    }

    for (const signal of SIGNALS) {
      it(`hearsay dev, ${signal}: each node leaves, exit 0, every port free`, async () => {
        const s = startCluster('node', await pickPorts());
        await waitStarted(s);
        await signalAndCheckStopped(s, devPidOf(s, 'node'), signal);
        expect(await s.exit).toEqual({ code: 0, signal: null });
        expect(s.output()).toContain(`hearsay: ${signal}: stopping ${NODES} node(s)`);
      });
    }
  },
);

describe.skipIf(process.platform !== 'linux')('hearsay dev with a port in use', () => {
  it('names the dev flag the port comes from', async () => {
    const ports = await pickPorts();
    const cases: [string, () => Promise<Server | Socket | undefined>, string][] = [
      [
        'gossip',
        () => bindUdp(ports.gossip + 1),
        `port ${ports.gossip + 1} on 127.0.0.1 is already in use (node2's gossip port, from --base-port ${ports.gossip}; is another hearsay dev still running?)`,
      ],
      [
        'http',
        () => listenTcp(ports.http),
        `HTTP port ${ports.http} is already in use (node1's HTTP port, from --http-base-port ${ports.http}; is another hearsay dev still running?)`,
      ],
    ];
    for (const [what, hold, message] of cases) {
      const held = await hold();
      expect(held, what).toBeDefined();
      try {
        const s = startCluster('node', ports);
        const result = await Promise.race([s.exit, sleep(START_BUDGET_MS).then(() => undefined)]);
        expect(result, s.output()).toEqual({ code: 1, signal: null });
        expect(s.output()).toContain(`hearsay: ${message}`);
        expect(s.output()).not.toContain('(--port)');
      } finally {
        if (held instanceof Server) await new Promise((r) => held.close(r));
        else await new Promise<void>((r) => held?.close(r));
      }
    }
  });
});
