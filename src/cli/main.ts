#!/usr/bin/env node
import { Command, Option } from 'commander';
import { MAX_REQUEST_TIMEOUT_MS } from '../coordinator/config.js';
import { NodeSetupError, startNode } from '../node.js';
import { realRuntime } from '../runtime/real.js';
import { parseAddress } from '../transport/transport.js';
import { UdpTransport } from '../transport/udp-transport.js';
import { ConfigError, fromEnv, fromFile, resolveAgentConfig } from './agent-config.js';
import { AGENT_DEFAULTS, processLogger } from './agent-defaults.js';
import { intArg, parseHttpAddress, timeoutArg } from './args.js';
import { CliError } from './cli-error.js';
import { runDev } from './dev-command.js';
import { DEFAULT_HTTP, processIo, runDel, runGet, runPut } from './kv-commands.js';
import { pingNode } from './ping.js';
import { stopOnSignals } from './stop-signals.js';

const LOG_LEVEL_HELP = 'lowest level logged: debug, info, warn, error or silent';
const LOG_FORMAT_HELP = 'log lines on stderr: json, pretty, or auto (pretty on a terminal, else json)';

const HTTP_HELP = "an agent's HTTP API: host:port or http://host:port";
const TIMEOUT_HELP = `request timeout in ms, at most ${MAX_REQUEST_TIMEOUT_MS} (the agent's limit)`;

/** Flags shared by put, get and del. */
interface KvFlags {
  http: string;
  ns?: string;
  w?: string;
  context?: string;
  timeout?: number;
}

export function buildProgram(): Command {
  const program = new Command('hearsay')
    .description('leaderless, eventually consistent key-value store on UDP gossip')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('agent')
    .description('run one node')
    .option('--name <name>', 'unique node name (env HEARSAY_NAME; default: host name)')
    .option('--bind <host>', 'address to bind (env HEARSAY_BIND; default 127.0.0.1)')
    .option('--port <port>', 'gossip port, UDP and TCP (env HEARSAY_PORT; default 7946)')
    .option('--http-port <port>', 'HTTP API port (env HEARSAY_HTTP_PORT; default 8080)')
    .option('--join <seeds>', 'comma-separated host:port seeds (env HEARSAY_JOIN)')
    .option('--data-dir <dir>', 'storage directory or :memory: (env HEARSAY_DATA_DIR)')
    .option(
      '--durability <sync|os>',
      'acknowledge writes once fsynced (sync: survives power loss) or once in the OS page cache (os: survives kill -9 only) (env HEARSAY_DURABILITY; default sync)',
    )
    .option('--zone <zone>', 'failure zone (env HEARSAY_ZONE; default "default")')
    .option('--cluster <name>', 'cluster name (env HEARSAY_CLUSTER; default "hearsay")')
    .option('--mtu-bytes <n>', 'largest UDP datagram sent (env HEARSAY_MTU_BYTES; default 1400)')
    .option('--profile <p>', 'membership timings: lan, wan or local (env HEARSAY_PROFILE; default lan)')
    .option(
      '--encrypt <keys>',
      'base64 AES-256 gossip keys, comma-separated, primary first (env HEARSAY_ENCRYPT)',
    )
    .option('--label <label>', 'cluster label checked on every packet (env HEARSAY_LABEL)')
    .option('--log-level <level>', `${LOG_LEVEL_HELP} (env HEARSAY_LOG_LEVEL; default info)`)
    .option('--log-format <format>', `${LOG_FORMAT_HELP} (env HEARSAY_LOG_FORMAT; default auto)`)
    .option('--config <file>', 'JSON config file (keys as the long flags in camelCase)')
    .action(async (flags: Record<string, string | undefined>) => {
      const { config, ...rest } = flags;
      const cli: Record<string, string> = {};
      for (const [k, v] of Object.entries(rest)) if (v !== undefined) cli[k] = v;
      const cfg = resolveAgentConfig(
        AGENT_DEFAULTS,
        config === undefined ? {} : fromFile(config),
        fromEnv(process.env),
        cli,
      );
      const node = await startNode({ ...cfg, kv: cfg.store, logger: processLogger(cfg) });
      console.log(
        `hearsay agent ${cfg.name} listening on ${node.address} (gossip udp+tcp), http 127.0.0.1:${node.httpPort}, cluster "${cfg.cluster}"`,
      );
      if (cfg.join.length > 0) console.log(`joining ${cfg.join.join(',')}`);
      console.log(
        `store: data in ${cfg.dataDir} (durability ${cfg.durability}); try curl -X PUT --data-binary v http://127.0.0.1:${node.httpPort}/kv/k`,
      );
      stopOnSignals([node], { hangup: false, watchParent: false });
    });

  program
    .command('dev')
    .description('run a local cluster of several nodes in this process (like `consul agent -dev`)')
    .option('--nodes <n>', 'number of nodes', intArg(1, 64), 3)
    .option('--base-port <port>', 'gossip port of the first node; the others follow', intArg(1, 65535), 7946)
    .option(
      '--http-base-port <port>',
      'HTTP port of the first node; the others follow',
      intArg(1, 65535),
      8080,
    )
    .option('--cluster <name>', 'cluster name', 'hearsay')
    .option('--data-dir <dir>', 'parent directory for per-node stores, or :memory:', ':memory:')
    .option('--log-level <level>', `${LOG_LEVEL_HELP} (default info)`, 'info')
    .option('--log-format <format>', `${LOG_FORMAT_HELP} (default auto)`, 'auto')
    .action(
      async (opts: {
        nodes: number;
        basePort: number;
        httpBasePort: number;
        cluster: string;
        dataDir: string;
        logLevel: string;
        logFormat: string;
      }) => {
        await runDev(opts);
      },
    );

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

  program
    .command('members')
    .description("list the cluster's members as one agent sees them")
    .option('--http <address>', HTTP_HELP, DEFAULT_HTTP)
    .option('--json', 'print the raw JSON')
    .action(async (opts: { http: string; json?: boolean }) => {
      const body = await getJson<{
        members: {
          name: string;
          addr: string;
          port: number;
          zone: string;
          state: string;
          incarnation: number;
        }[];
      }>(opts.http, '/cluster/members');
      if (opts.json === true) {
        console.log(JSON.stringify(body, null, 2));
        return;
      }
      const rows = body.members.map((m) => [
        m.name,
        `${m.addr}:${m.port}`,
        m.state,
        String(m.incarnation),
        m.zone,
      ]);
      printTable(['NAME', 'ADDRESS', 'STATE', 'INCARNATION', 'ZONE'], rows);
    });

  program
    .command('force-leave')
    .description('remove a failed member for good (it shows as left everywhere; its partitions move)')
    .argument('<name>', 'the failed member')
    .option('--http <address>', HTTP_HELP, DEFAULT_HTTP)
    .action(async (name: string, opts: { http: string }) => {
      const { status, body } = await requestJson(
        opts.http,
        `/cluster/force-leave/${encodeURIComponent(name)}`,
        'POST',
      );
      if (status !== 200) throw new CliError(`force-leave ${name}: ${body.error ?? `HTTP ${status}`}`);
      console.log(`${name}: left`);
    });

  program
    .command('ring')
    .description('show how partitions are placed on the members one agent sees')
    .option('--http <address>', HTTP_HELP, DEFAULT_HTTP)
    .option('--n <replicas>', 'replicas per partition', intArg(1, 64), 3)
    .option('--json', 'print the raw JSON (every partition with its owners)')
    .action(async (opts: { http: string; n: number; json?: boolean }) => {
      const body = await getJson<{
        partitions: number;
        replicas: number;
        members: { id: string; zone: string; state: string; primaries: number }[];
      }>(opts.http, `/cluster/ring?n=${opts.n}`);
      if (opts.json === true) {
        console.log(JSON.stringify(body, null, 2));
        return;
      }
      console.log(`${body.partitions} partitions, ${body.replicas} replicas each`);
      printTable(
        ['NAME', 'ZONE', 'STATE', 'PRIMARIES'],
        body.members.map((m) => [m.id, m.zone, m.state, String(m.primaries)]),
      );
    });

  program
    .command('put')
    .description('write a value (VALUE, --file, or stdin) to a key; prints the new context token')
    .argument('<key>', 'the key (UTF-8)')
    .argument('[value]', 'the value as UTF-8 text (else --file, else stdin)')
    .option('--http <address>', HTTP_HELP, DEFAULT_HTTP)
    .option('--ns <namespace>', 'namespace (default: "default")')
    .option('--w <w>', "write quorum: one, quorum, all or a number (default: the namespace's)")
    .option('--context <token>', 'context token from the read this write supersedes (default: blind write)')
    .option('--file <path>', 'read the value from this file')
    .option('--timeout <ms>', TIMEOUT_HELP, timeoutArg)
    .action(async (key: string, value: string | undefined, opts: KvFlags & { file?: string }) => {
      process.exitCode = await runPut(
        { ...opts, key, ...(value === undefined ? {} : { value }) },
        processIo(),
      );
    });

  program
    .command('get')
    .description('read a key: the value on stdout, its context token on stderr')
    .argument('<key>', 'the key (UTF-8)')
    .option('--http <address>', HTTP_HELP, DEFAULT_HTTP)
    .option('--ns <namespace>', 'namespace (default: "default")')
    .option('--r <r>', "read quorum: one, quorum, all or a number (default: the namespace's)")
    .addOption(
      new Option('--repair <mode>', 'read repair before answering (sync) or after').choices([
        'sync',
        'async',
      ]),
    )
    .option('--timeout <ms>', TIMEOUT_HELP, timeoutArg)
    .action(async (key: string, opts: KvFlags & { r?: string; repair?: 'sync' | 'async' }) => {
      process.exitCode = await runGet({ ...opts, key }, processIo());
    });

  program
    .command('del')
    .description('delete a key; prints the context token of the delete')
    .argument('<key>', 'the key (UTF-8)')
    .option('--http <address>', HTTP_HELP, DEFAULT_HTTP)
    .option('--ns <namespace>', 'namespace (default: "default")')
    .option(
      '--r <r>',
      "read quorum of a delete without --context, which reads first (default: the namespace's)",
    )
    .option('--w <w>', "write quorum: one, quorum, all or a number (default: the namespace's)")
    .option(
      '--context <token>',
      'context token from the read this delete supersedes (without: deletes what a read finds)',
    )
    .option('--timeout <ms>', TIMEOUT_HELP, timeoutArg)
    .action(async (key: string, opts: KvFlags & { r?: string }) => {
      process.exitCode = await runDel({ ...opts, key }, processIo());
    });

  return program;
}

/** `--http` as the base URL of the agent's API; a malformed value is a usage error. */
function agentUrl(http: string): string {
  const parsed = parseHttpAddress(http);
  if (!parsed.ok) throw new CliError(parsed.error, 2);
  return `http://${parsed.address}`;
}

/** One request to an agent; any HTTP status comes back (with its JSON error), only no answer throws. */
async function requestJson(
  http: string,
  path: string,
  method: string,
): Promise<{ status: number; body: { error?: string } }> {
  const base = agentUrl(http);
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, { method, signal: AbortSignal.timeout(5000) });
  } catch (err) {
    throw new CliError(`cannot reach agent at ${http}: ${(err as Error).message}`);
  }
  const body = (await res.json().catch(() => ({}))) as { error?: string };
  return { status: res.status, body };
}

/** GETs JSON from an agent's HTTP API; unreachable or non-2xx becomes a one-line CLI error. */
async function getJson<T>(http: string, path: string): Promise<T> {
  const base = agentUrl(http);
  try {
    const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return (await res.json()) as T;
  } catch (err) {
    throw new CliError(`cannot reach agent at ${http}: ${(err as Error).message}`);
  }
}

function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const r of [header, ...rows])
    console.log(
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    );
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (e.code?.startsWith('commander.')) {
      // commander already printed the help or the usage error; usage errors exit 2, like our config errors.
      const helpOrVersion = e.code === 'commander.helpDisplayed' || e.code === 'commander.version';
      process.exit(helpOrVersion ? 0 : 2);
    }
    if (err instanceof ConfigError) {
      console.error(`hearsay: ${err.message}`);
      process.exit(2);
    }
    if (err instanceof CliError || err instanceof NodeSetupError) {
      console.error(`hearsay: ${err.message}`);
      process.exit(err instanceof CliError ? err.exitCode : 1);
    }
    throw err;
  }
}

await main();
