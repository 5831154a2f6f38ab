import type { HearsayNode } from '../node.js';
import { NodeSetupError, startNode } from '../node.js';
import { resolveAgentConfig } from './agent-config.js';
import { AGENT_DEFAULTS, processLogger } from './agent-defaults.js';
import { CliError } from './cli-error.js';
import { stopOnSignals } from './stop-signals.js';

/** `hearsay dev`'s flags. */
export interface DevOptions {
  readonly nodes: number;
  readonly basePort: number;
  readonly httpBasePort: number;
  readonly cluster: string;
  readonly dataDir: string;
  readonly logLevel: string;
  readonly logFormat: string;
}

/**
 * `hearsay dev`: a local cluster of several nodes in this process (like `consul agent -dev`), checked with a
 * PUT/GET/DELETE before the example is printed; stops on SIGINT, SIGTERM, SIGHUP or the parent's death.
 */
export async function runDev(opts: DevOptions): Promise<void> {
  if (Math.max(opts.basePort, opts.httpBasePort) + opts.nodes - 1 > 65535) {
    throw new CliError('a port range (--base-port/--http-base-port + --nodes) exceeds 65535', 2);
  }
  const logging = { logLevel: opts.logLevel, logFormat: opts.logFormat };
  const logger = processLogger(resolveAgentConfig(AGENT_DEFAULTS, logging));
  const nodes: HearsayNode[] = [];
  stopOnSignals(nodes, { hangup: true, watchParent: true });
  let i = 0;
  try {
    for (; i < opts.nodes; i++) {
      const cfg = resolveAgentConfig(AGENT_DEFAULTS, {
        name: `node${i + 1}`,
        port: opts.basePort + i,
        httpPort: opts.httpBasePort + i,
        cluster: opts.cluster,
        profile: 'local',
        join: i === 0 ? [] : [`127.0.0.1:${opts.basePort}`],
        dataDir: opts.dataDir === ':memory:' ? ':memory:' : `${opts.dataDir}/node${i + 1}`,
        ...logging,
      });
      nodes.push(await startNode({ ...cfg, logger }));
    }
  } catch (err) {
    await Promise.all(nodes.map((n) => n.close()));
    throw devSetupError(err, i, opts);
  }
  const first = nodes[0] as HearsayNode;
  const all = await waitForMembers(first, nodes.length, 10_000);
  console.log(`hearsay dev: ${nodes.length} nodes in cluster "${opts.cluster}" (${all} see each other)`);
  for (const n of nodes)
    console.log(`  ${n.name}  gossip ${n.address} (udp+tcp)  http 127.0.0.1:${n.httpPort}`);
  const check = await selfCheck(nodes);
  console.log(`store: N=3 replicas, R=W=quorum; self-check ${check}`);
  const second = nodes[1] ?? first;
  console.log('\ntry, in another terminal:');
  console.log(`  curl -i -X PUT --data-binary 'hello world' http://127.0.0.1:${first.httpPort}/kv/greeting`);
  console.log(`  curl -i http://127.0.0.1:${second.httpPort}/kv/greeting`);
  console.log(`  node dist/src/cli/main.js get greeting --http 127.0.0.1:${second.httpPort}`);
  console.log(`  curl -s http://127.0.0.1:${first.httpPort}/cluster/members`);
  console.log(`  node dist/src/cli/main.js members --http 127.0.0.1:${first.httpPort}`);
  console.log(`  node dist/src/cli/main.js ping ${first.address} --node ${first.name} --count 3`);
  console.log(
    '\nCtrl-C stops the cluster (so do SIGTERM, SIGHUP and the end of the process that started it); each node leaves gracefully.',
  );
}

/**
 * node.ts names the agent's flags in its port errors; `hearsay dev` derives every port from its base ports,
 * so its errors name those instead.
 */
function devSetupError(
  err: unknown,
  index: number,
  opts: { basePort: number; httpBasePort: number },
): unknown {
  if (!(err instanceof NodeSetupError)) return err;
  const node = `node${index + 1}`;
  const hint = 'is another hearsay dev still running?';
  for (const [agentFlag, what, devFlag, base] of [
    ['(--port)', 'gossip', '--base-port', opts.basePort],
    ['(--http-port)', 'HTTP', '--http-base-port', opts.httpBasePort],
  ] as const) {
    if (err.message.endsWith(agentFlag)) {
      const text = err.message.slice(0, -agentFlag.length);
      return new CliError(`${text}(${node}'s ${what} port, from ${devFlag} ${base}; ${hint})`);
    }
  }
  return err;
}

/**
 * Proves the printed example works before printing it: PUT a key over HTTP on the first node, GET it from
 * another, DELETE it. Returns a one-line verdict.
 */
async function selfCheck(nodes: readonly HearsayNode[]): Promise<string> {
  const first = nodes[0] as HearsayNode;
  const other = nodes[1] ?? first;
  await Promise.all(nodes.map((n) => waitForMembers(n, nodes.length, 10_000)));
  const url = (n: HearsayNode): string => `http://127.0.0.1:${n.httpPort}/kv/hearsay-dev-self-check`;
  try {
    const put = await fetch(url(first), { method: 'PUT', body: 'ok' });
    if (put.status !== 204) return `FAILED: PUT answered ${put.status} ${await put.text()}`;
    const get = await fetch(url(other));
    const body = await get.text();
    if (get.status !== 200 || body !== 'ok') return `FAILED: GET answered ${get.status} ${body}`;
    const context = get.headers.get('x-context') ?? '';
    const del = await fetch(url(first), { method: 'DELETE', headers: { 'x-context': context } });
    if (del.status !== 204) return `FAILED: DELETE answered ${del.status}`;
    return `passed (PUT on ${first.name}, GET on ${other.name}, DELETE)`;
  } catch (err) {
    return `FAILED: ${(err as Error).message}`;
  }
}

/** Waits until `node` sees `n` alive members (bounded); returns how many it saw. */
async function waitForMembers(node: HearsayNode, n: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = node.membership.countByState().alive;
    if (alive >= n || Date.now() > deadline) return alive;
    await new Promise((r) => setTimeout(r, 50));
  }
}
