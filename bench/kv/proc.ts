/**
 * Child processes and temp directories of one `npm run bench -- kv` run, and the CPU time of processes.
 *
 * Everything the bench starts is registered here, so it is cleaned up on every way out: `cleanupAll()` from
 * the run's `finally`, and, if the run is interrupted (SIGINT, SIGTERM) or exits early, a synchronous
 * SIGKILL of the registered children (by their pid, nothing else) and removal of the registered directories.
 */
import { type ChildProcess, execFileSync, type SpawnOptions, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const HOST = '127.0.0.1';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A child this run started, with the tail of what it printed. */
export interface Child {
  readonly label: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  /** stdout and stderr so far (the last 20,000 characters). */
  output(): string;
  /** Resolves when it exits (with its code, or its signal's name). */
  readonly exited: Promise<number | string>;
}

const OUTPUT_KEEP = 20_000;
const children = new Set<Child>();
const dirs = new Set<string>();
let hooked = false;

function killSync(c: Child): void {
  if (c.proc.exitCode === null && c.proc.signalCode === null) {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Kills what is left and removes the directories; synchronous, so it also works from an 'exit' handler. */
function cleanupSync(): void {
  for (const c of children) killSync(c);
  children.clear();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', cleanupSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      console.error(`kv: ${sig}: stopping ${children.size} child process(es), removing temp dirs`);
      cleanupSync();
      process.exit(130);
    });
  }
}

/** Spawns `command` (no shell) and registers it; stdout and stderr are kept in a bounded buffer. */
export function spawnChild(
  label: string,
  command: string,
  args: readonly string[],
  opts: SpawnOptions = {},
): Child {
  hookExit();
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let out = '';
  const onData = (chunk: Buffer): void => {
    out += chunk.toString();
    if (out.length > OUTPUT_KEEP) out = out.slice(-OUTPUT_KEEP);
  };
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  const exited = new Promise<number | string>((resolve) => {
    proc.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    // A spawn failure (ENOENT) emits 'error' and no 'exit'.
    proc.once('error', (err) => {
      out += `\n${err.message}`;
      resolve(err.message);
    });
  });
  if (proc.pid === undefined) {
    // Spawn failed synchronously (e.g. ENOENT is reported through 'error' shortly after).
    const child: Child = { label, proc, pid: -1, output: () => out, exited };
    return child;
  }
  const child: Child = { label, proc, pid: proc.pid, output: () => out, exited };
  children.add(child);
  void exited.then(() => children.delete(child));
  return child;
}

/** Resolves with the first match of `re` in the child's output, or rejects on exit or after `budgetMs`. */
export function waitForOutput(c: Child, re: RegExp, budgetMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const done = (f: () => void): void => {
      clearTimeout(timer);
      clearInterval(poll);
      f();
    };
    const check = (): void => {
      const m = re.exec(c.output());
      if (m !== null) done(() => resolve(m));
    };
    const timer = setTimeout(
      () => done(() => reject(new Error(`${c.label}: no ${re} within ${budgetMs} ms:\n${c.output()}`))),
      budgetMs,
    );
    const poll = setInterval(check, 20);
    void c.exited.then((how) =>
      done(() => {
        const m = re.exec(c.output());
        if (m !== null) resolve(m);
        else reject(new Error(`${c.label} exited (${how}) before ${re}:\n${c.output()}`));
      }),
    );
    check();
  });
}

/** SIGKILLs the children (by pid) and waits, bounded, for them to exit. */
export async function stopChildren(list: readonly Child[], budgetMs = 5000): Promise<void> {
  for (const c of list) killSync(c);
  await Promise.race([Promise.all(list.map((c) => c.exited)), sleep(budgetMs)]);
}

/** A fresh temp directory, removed by `removeDir` or at the latest when the process exits. */
export function tempDir(prefix: string): string {
  hookExit();
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(d);
  return d;
}

export function removeDir(d: string): void {
  rmSync(d, { recursive: true, force: true });
  dirs.delete(d);
}

/** Stops every registered child and removes every registered directory (the run's `finally`). */
export async function cleanupAll(): Promise<void> {
  await stopChildren([...children]);
  cleanupSync();
}

/** A TCP port that was free a moment ago on 127.0.0.1 (for servers that cannot take port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, HOST, () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

let ticks: number | undefined;

/** `getconf CLK_TCK`: the unit of utime and stime in /proc/<pid>/stat (100 on Linux almost everywhere). */
export function clockTicksPerSecond(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      ticks = Number.NaN;
    }
    if (!Number.isInteger(ticks) || ticks <= 0) ticks = 100;
  }
  return ticks;
}

/**
 * CPU time a process has used so far (all threads), in µs: user and system, from /proc/<pid>/stat fields
 * 14 (utime) and 15 (stime); NaN when the process is gone or /proc is unreadable.
 */
export function cpuMicros(pid: number): { user: number; sys: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after its closing ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state), so utime (14) is fields[11] and stime (15) fields[12].
    const k = 1e6 / clockTicksPerSecond();
    return { user: Number(fields[11]) * k, sys: Number(fields[12]) * k };
  } catch {
    return { user: Number.NaN, sys: Number.NaN };
  }
}

/** `cpuMicros` summed over the pids. */
export function cpuMicrosOf(pids: readonly number[]): { user: number; sys: number } {
  let user = 0;
  let sys = 0;
  for (const p of pids) {
    const t = cpuMicros(p);
    user += t.user;
    sys += t.sys;
  }
  return { user, sys };
}

/** Machine-wide CPU time so far from /proc/stat's `cpu` line, µs: busy (all but idle and iowait) and total. */
export function machineCpuMicros(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    const k = 1e6 / clockTicksPerSecond();
    return { busy: (total - idle) * k, total: total * k };
  } catch {
    return { busy: Number.NaN, total: Number.NaN };
  }
}
