#!/usr/bin/env node
import { hostname } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { type HearsayNode, startNode } from '../node.js';
import { realRuntime } from '../runtime/real.js';
import { parseAddress } from '../transport/transport.js';
import { UdpTransport } from '../transport/udp-transport.js';
import {
  type AgentConfig,
  ConfigError,
  fromEnv,
  fromFile,
  type RawAgentConfig,
  resolveAgentConfig,
} from './agent-config.js';
import { pingNode } from './ping.js';

const AGENT_DEFAULTS: AgentConfig = {
  name: hostname().replace(/[^A-Za-z0-9_.-]/g, '-') || 'node',
  bind: '127.0.0.1',
  port: 7946,
  httpPort: 8080,
  join: [],
  dataDir: '',
  zone: 'default',
  cluster: 'hearsay',
  mtuBytes: 1400,
};

const NOT_YET =
  'membership (SWIM/Lifeguard, #4) and the key API (#5) are not built yet: this agent answers wire-level pings only';

/** A user-facing failure: one line on stderr and this exit code, no stack trace. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

async function bindNode(cfg: AgentConfig): Promise<HearsayNode> {
  const runtime = realRuntime();
  let transport: UdpTransport;
  try {
    transport = await UdpTransport.bind({
      host: cfg.bind,
      port: cfg.port,
      maxPacketBytes: cfg.mtuBytes,
      scheduler: runtime.scheduler,
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new CliError(`port ${cfg.port} on ${cfg.bind} is already in use (--port)`);
    if (code === 'EADDRNOTAVAIL')
      throw new CliError(`cannot bind ${cfg.bind}: no such local address (--bind)`);
    throw new CliError(`cannot bind ${cfg.bind}:${cfg.port}: ${(err as Error).message}`);
  }
  return startNode(transport, { name: cfg.name, cluster: cfg.cluster });
}

function untilSignal(nodes: readonly HearsayNode[]): void {
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void Promise.all(nodes.map((n) => n.close())).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Transport timers are unref'd; this keeps the process up until a signal.
  setInterval(() => {}, 1 << 30);
}

function intArg(min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`must be an integer in [${min}, ${max}]`);
    }
    return n;
  };
}

export function buildProgram(): Command {
  const program = new Command('hearsay')
    .description('leaderless, eventually consistent key-value store on UDP gossip')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('agent')
    .description(`run one node (${NOT_YET})`)
    .option('--name <name>', 'unique node name (env HEARSAY_NAME; default: host name)')
    .option('--bind <host>', 'address to bind (env HEARSAY_BIND; default 127.0.0.1)')
    .option('--port <port>', 'gossip port, UDP and TCP (env HEARSAY_PORT; default 7946)')
    .option('--http-port <port>', 'HTTP API port (env HEARSAY_HTTP_PORT; default 8080)')
    .option('--join <seeds>', 'comma-separated host:port seeds (env HEARSAY_JOIN)')
    .option('--data-dir <dir>', 'storage directory or :memory: (env HEARSAY_DATA_DIR)')
    .option('--zone <zone>', 'failure zone (env HEARSAY_ZONE; default "default")')
    .option('--cluster <name>', 'cluster name (env HEARSAY_CLUSTER; default "hearsay")')
    .option('--mtu-bytes <n>', 'largest UDP datagram sent (env HEARSAY_MTU_BYTES; default 1400)')
    .option('--config <file>', 'JSON config file (keys as the long flags in camelCase)')
    .action(async (flags: Record<string, string | undefined>) => {
      const { config, ...rest } = flags;
      const cli: RawAgentConfig = {};
      for (const [k, v] of Object.entries(rest)) if (v !== undefined) cli[k as keyof AgentConfig] = v;
      const cfg = resolveAgentConfig(
        AGENT_DEFAULTS,
        config === undefined ? {} : fromFile(config),
        fromEnv(process.env),
        cli,
      );
      const node = await bindNode(cfg);
      console.log(
        `hearsay agent ${cfg.name} listening on ${node.address} (udp+tcp), cluster "${cfg.cluster}"`,
      );
      console.log(`note: ${NOT_YET}`);
      if (cfg.join.length > 0)
        console.log(`note: --join ${cfg.join.join(',')} is accepted but unused until #4`);
      untilSignal([node]);
    });

  program
    .command('dev')
    .description('run a local cluster of several nodes in this process (like `consul agent -dev`)')
    .option('--nodes <n>', 'number of nodes', intArg(1, 64), 3)
    .option('--base-port <port>', 'gossip port of the first node; the others follow', intArg(1, 65535), 7946)
    .option('--cluster <name>', 'cluster name', 'hearsay')
    .action(async (opts: { nodes: number; basePort: number; cluster: string }) => {
      if (opts.basePort + opts.nodes - 1 > 65535)
        throw new CliError('--base-port + --nodes exceeds 65535', 2);
      const nodes: HearsayNode[] = [];
      try {
        for (let i = 0; i < opts.nodes; i++) {
          const cfg = resolveAgentConfig(AGENT_DEFAULTS, {
            name: `node${i + 1}`,
            port: opts.basePort + i,
            cluster: opts.cluster,
          });
          nodes.push(await bindNode(cfg));
        }
      } catch (err) {
        await Promise.all(nodes.map((n) => n.close()));
        throw err;
      }
      console.log(`hearsay dev: ${nodes.length} nodes in cluster "${opts.cluster}"`);
      for (const n of nodes) console.log(`  ${n.name}  gossip ${n.address} (udp+tcp)`);
      console.log(`note: ${NOT_YET}`);
      const first = nodes[0] as HearsayNode;
      console.log('\ntry, in another terminal:');
      console.log(`  node dist/src/cli/main.js ping ${first.address} --node ${first.name} --count 3`);
      console.log('\nCtrl-C stops the cluster.');
      untilSignal(nodes);
    });

  program
    .command('ping')
    .description("send wire-level SWIM pings to a node and print each ack's round-trip time")
    .argument('<address>', 'host:port of the node')
    .requiredOption(
      '--node <name>',
      'the name of the node at that address (a node answers only its own name)',
    )
    .option('--count <n>', 'pings to send', intArg(1, 1000), 3)
    .option('--timeout <ms>', 'wait per ping', intArg(1, 60_000), 1000)
    .option('--cluster <name>', 'cluster name', 'hearsay')
    .action(
      async (address: string, opts: { node: string; count: number; timeout: number; cluster: string }) => {
        if (parseAddress(address) === null) throw new CliError(`"${address}" is not host:port`, 2);
        const runtime = realRuntime();
        const transport = await UdpTransport.bind({
          host: '127.0.0.1',
          port: 0,
          scheduler: runtime.scheduler,
        });
        try {
          const outcomes = await pingNode(transport, {
            target: address,
            node: opts.node,
            cluster: opts.cluster,
            sender: `ping-${process.pid}`,
            count: opts.count,
            timeoutMs: opts.timeout,
          });
          let acked = 0;
          for (const o of outcomes) {
            if (o.rttMs === null) console.log(`seq=${o.seqNo} no ack within ${opts.timeout} ms`);
            else {
              acked++;
              console.log(`seq=${o.seqNo} ack from ${opts.node} in ${o.rttMs.toFixed(3)} ms`);
            }
          }
          console.log(`${acked}/${outcomes.length} acked`);
          if (acked === 0) throw new CliError(`no ack from ${opts.node} at ${address}`);
        } finally {
          await transport.close();
        }
      },
    );

  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (e.code?.startsWith('commander.')) {
      // commander already printed usage or help.
      process.exit(e.exitCode ?? 2);
    }
    if (err instanceof ConfigError) {
      console.error(`hearsay: ${err.message}`);
      process.exit(2);
    }
    if (err instanceof CliError) {
      console.error(`hearsay: ${err.message}`);
      process.exit(err.exitCode);
    }
    throw err;
  }
}

await main();
