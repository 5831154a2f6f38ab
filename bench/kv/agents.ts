/**
 * The store under test: `size` agents, each a separate process of the built CLI (`hearsay agent`, profile
 * `local`, lmdb in a fresh temp directory, the store config in a `--config` JSON file), joined to the first
 * one; or, with `--in-process`, the same nodes started in this process (like `hearsay dev`). Either way
 * the cluster is ready when every node lists every member alive.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KvConfigOverrides } from '../../src/node/store-config.js';
import type { HearsayNode } from '../../src/node.js';
import { repoRoot } from '../report.js';
import {
  type Child,
  HOST,
  removeDir,
  sleep,
  spawnChild,
  stopChildren,
  tempDir,
  waitForOutput,
} from './proc.js';

/** How long a cluster may take to start and see all members alive. */
const START_BUDGET_MS = 20_000;
const CONVERGE_BUDGET_MS = 20_000;

export interface Cluster {
  readonly size: number;
  readonly httpPorts: readonly number[];
  /** The processes whose CPU time is the cluster's: the agents, or this process when in-process. */
  readonly pids: readonly number[];
  readonly inProcess: boolean;
  close(): Promise<void>;
}

/** How many members the node behind `httpPort` lists alive; -1 when it does not answer. */
async function aliveSeen(httpPort: number): Promise<number> {
  try {
    const res = await fetch(`http://${HOST}:${httpPort}/cluster/members`, {
      signal: AbortSignal.timeout(2000),
    });
    if (res.status !== 200) {
      await res.arrayBuffer();
      return -1;
    }
    const body = (await res.json()) as { members: { state: string }[] };
    return body.members.filter((m) => m.state === 'alive').length;
  } catch {
    return -1;
  }
}

/** Polls every node's `GET /cluster/members` until each lists `size` alive (bounded). */
export async function waitAllAlive(httpPorts: readonly number[], size: number): Promise<number> {
  const start = performance.now();
  let seen: number[] = [];
  while (performance.now() - start < CONVERGE_BUDGET_MS) {
    seen = await Promise.all(httpPorts.map(aliveSeen));
    if (seen.every((n) => n === size)) return performance.now() - start;
    await sleep(100);
  }
  throw new Error(`agents did not all see ${size} alive within ${CONVERGE_BUDGET_MS} ms: ${seen.join(', ')}`);
}

/** `size` agent processes with the store config `store`. */
async function startProcesses(size: number, store: KvConfigOverrides): Promise<Cluster> {
  const cli = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
  const confDir = tempDir('hearsay-bench-kv-conf-');
  const config = join(confDir, 'agent.json');
  writeFileSync(config, JSON.stringify({ store }, null, 2));
  const agents: Child[] = [];
  const dirs: string[] = [confDir];
  const close = async (): Promise<void> => {
    await stopChildren(agents);
    for (const d of dirs) removeDir(d);
  };
  try {
    const httpPorts: number[] = [];
    let seed: string | undefined;
    for (let i = 0; i < size; i++) {
      const dataDir = tempDir(`hearsay-bench-kv-a${i + 1}-`);
      dirs.push(dataDir);
      const args = [
        cli,
        'agent',
        '--name',
        `bench${i + 1}`,
        '--cluster',
        `bench-kv-${process.pid}`,
        '--bind',
        HOST,
        '--port',
        '0',
        '--http-port',
        '0',
        '--profile',
        'local',
        '--data-dir',
        dataDir,
        '--config',
        config,
        '--log-level',
        'warn',
        '--log-format',
        'json',
      ];
      if (seed !== undefined) args.push('--join', seed);
      const child = spawnChild(`agent bench${i + 1}`, process.execPath, args);
      agents.push(child);
      const m = await waitForOutput(child, /listening on (\S+) .*http 127\.0\.0\.1:(\d+)/, START_BUDGET_MS);
      seed ??= m[1] as string;
      httpPorts.push(Number(m[2]));
    }
    await waitAllAlive(httpPorts, size);
    return { size, httpPorts, pids: agents.map((a) => a.pid), inProcess: false, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The same nodes in this process (the old layout of this bench: they share one event loop). */
async function startInProcess(size: number, store: KvConfigOverrides): Promise<Cluster> {
  const { startNode } = await import('../../src/node.js');
  const nodes: HearsayNode[] = [];
  const dirs: string[] = [];
  const close = async (): Promise<void> => {
    await Promise.allSettled(nodes.map((n) => n.close()));
    for (const d of dirs) removeDir(d);
  };
  try {
    for (let i = 0; i < size; i++) {
      const dataDir = tempDir(`hearsay-bench-kv-n${i + 1}-`);
      dirs.push(dataDir);
      const seed = nodes[0];
      nodes.push(
        await startNode({
          name: `bench${i + 1}`,
          cluster: `bench-kv-${process.pid}`,
          bind: HOST,
          port: 0,
          httpPort: 0,
          zone: '',
          join: seed === undefined ? [] : [seed.address],
          profile: 'local',
          mtuBytes: 1400,
          encrypt: [],
          label: '',
          dataDir,
          kv: store,
        }),
      );
    }
    const httpPorts = nodes.map((n) => n.httpPort);
    await waitAllAlive(httpPorts, size);
    return { size, httpPorts, pids: [process.pid], inProcess: true, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Starts a cluster of `size` nodes with store config `store` (see the module comment). */
export function startCluster(size: number, store: KvConfigOverrides, inProcess: boolean): Promise<Cluster> {
  return inProcess ? startInProcess(size, store) : startProcesses(size, store);
}
