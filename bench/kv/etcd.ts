/**
 * The peer: a 3-member etcd cluster (Raft; Debian's `etcd-server` package, binary `etcd`), each member a
 * separate process on 127.0.0.1 with a fresh data directory and free client and peer ports, bootstrapped
 * statically (`--initial-cluster`). Durable as shipped: every commit is fsynced (no --unsafe-no-fsync).
 * Driven through its v3 JSON gateway (`POST /v3/kv/put`, `POST /v3/kv/range`, linearizable by default).
 */
import { spawnSync } from 'node:child_process';
import type { Cluster } from './agents.js';
import { ensureDebianBinary } from './install.js';
import { type Child, freePort, HOST, removeDir, sleep, spawnChild, stopChildren, tempDir } from './proc.js';

const MEMBERS = 3;
const READY_BUDGET_MS = 30_000;

/** The etcd binary (installing `etcd-server` when missing) and its version line, or the reason it is not. */
export function findEtcd(): { path: string; version: string } | { missing: string } {
  const path = ensureDebianBinary('etcd', 'etcd-server');
  if (path === undefined)
    return { missing: 'etcd is not installed and apt-get could not install etcd-server' };
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const version = /etcd Version:\s*(\S+)/.exec(r.stdout ?? '')?.[1] ?? 'unknown';
  return { path, version };
}

async function healthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://${HOST}:${port}/health`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { health?: string };
    return res.status === 200 && body.health === 'true';
  } catch {
    return false;
  }
}

/** Starts the 3 members and waits until each reports itself healthy (it has a leader). */
export async function startEtcd(binary: string): Promise<Cluster> {
  const clientPorts: number[] = [];
  const peerPorts: number[] = [];
  // Pick all six ports before starting anything, holding none: a clash fails the start loudly.
  const taken = new Set<number>();
  while (taken.size < MEMBERS * 2) taken.add(await freePort());
  const ports = [...taken];
  for (let i = 0; i < MEMBERS; i++) {
    clientPorts.push(ports[2 * i] as number);
    peerPorts.push(ports[2 * i + 1] as number);
  }
  const names = clientPorts.map((_, i) => `etcd${i + 1}`);
  const initialCluster = names.map((n, i) => `${n}=http://${HOST}:${peerPorts[i]}`).join(',');
  const members: Child[] = [];
  const dirs: string[] = [];
  const close = async (): Promise<void> => {
    await stopChildren(members);
    for (const d of dirs) removeDir(d);
  };
  try {
    for (let i = 0; i < MEMBERS; i++) {
      const dataDir = tempDir(`hearsay-bench-kv-etcd${i + 1}-`);
      dirs.push(dataDir);
      const client = `http://${HOST}:${clientPorts[i]}`;
      const peer = `http://${HOST}:${peerPorts[i]}`;
      members.push(
        spawnChild(names[i] as string, binary, [
          '--name',
          names[i] as string,
          '--data-dir',
          dataDir,
          '--listen-client-urls',
          client,
          '--advertise-client-urls',
          client,
          '--listen-peer-urls',
          peer,
          '--initial-advertise-peer-urls',
          peer,
          '--initial-cluster',
          initialCluster,
          '--initial-cluster-state',
          'new',
          '--initial-cluster-token',
          `hearsay-bench-kv-${process.pid}`,
          '--logger',
          'zap',
          '--log-level',
          'error',
        ]),
      );
    }
    const start = performance.now();
    while (!(await Promise.all(clientPorts.map(healthy))).every(Boolean)) {
      const dead = members.find((m) => m.proc.exitCode !== null || m.proc.signalCode !== null);
      if (dead !== undefined) throw new Error(`${dead.label} exited: ${dead.output().slice(-2000)}`);
      if (performance.now() - start > READY_BUDGET_MS) {
        throw new Error(
          `etcd did not become healthy in ${READY_BUDGET_MS} ms: ${members[0]?.output().slice(-2000)}`,
        );
      }
      await sleep(200);
    }
    return {
      size: MEMBERS,
      httpPorts: clientPorts,
      pids: members.map((m) => m.pid),
      inProcess: false,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
