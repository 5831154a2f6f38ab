import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { startHttpServer } from './http/server.js';
import { defaultKvConfig, type KvConfig } from './kv/config.js';
import { KvStore } from './kv/kv-store.js';
import { MemberStateLog } from './member-log.js';
import { lanConfig, localConfig, type MembershipConfig, wanConfig } from './membership/config.js';
import { Membership } from './membership/membership.js';
import { registerRumorMetrics } from './metrics/prom-kv-metrics.js';
import { registerUnknownMessageMetrics } from './metrics/prom-transport-metrics.js';
import { createMetricsRegistry, type MetricsRegistry } from './metrics/registry.js';
import { type Logger, SILENT_LOGGER } from './runtime/logger.js';
import { realRuntime } from './runtime/real.js';
import { openDurableStorage } from './storage/default-storage.js';
import { openMemoryStorage } from './storage/memory-storage.js';
import type { Storage } from './storage/storage.js';
import { RequestRouter } from './transport/request-router.js';
import { UdpTransport } from './transport/udp-transport.js';
import { Keyring, SealStats } from './wire/index.js';
import { sealedTransport } from './wire/sealed-transport.js';

/**
 * The composition root (DESIGN.md §1): the only module that knows which concrete classes make a node —
 * real clock/timers/randomness, the UDP+TCP transport, SWIM membership, the metrics registry and the HTTP
 * API, and the store (placement, replica RPC, coordinators, hints, handoff, anti-entropy, rumors).
 */
export interface NodeSettings {
  readonly name: string;
  readonly cluster: string;
  readonly bind: string;
  /** Gossip port, UDP and TCP; 0 picks a free one. */
  readonly port: number;
  /** HTTP API port; 0 picks a free one. */
  readonly httpPort: number;
  readonly zone: string;
  readonly join: readonly string[];
  readonly profile: 'lan' | 'wan' | 'local';
  readonly mtuBytes: number;
  /** Base64 AES-256 keys, primary first; empty = no encryption. */
  readonly encrypt: readonly string[];
  readonly label: string;
  /** Storage directory (created if missing), or `:memory:` for the in-memory engine. */
  readonly dataDir: string;
  /** Store settings over the defaults (src/kv/config.ts). */
  readonly kv?: Partial<KvConfig>;
  /**
   * Where the node logs (src/runtime/pino-logger.ts makes one); every line carries `{ node: name }`.
   * Default: silent.
   */
  readonly logger?: Logger;
}

export interface HearsayNode {
  readonly name: string;
  /** Gossip address, host:port. */
  readonly address: string;
  readonly httpPort: number;
  readonly membership: Membership;
  readonly metrics: MetricsRegistry;
  readonly kv: KvStore;
  /** Leaves gracefully (others see `left`), then closes sockets. */
  leave(): Promise<void>;
  /** Closes sockets without leaving (others will detect a failure). */
  close(): Promise<void>;
}

/** Service ids on the stream channel (one byte per request frame). */
const SERVICE_MEMBERSHIP = 0;
const SERVICE_KV = 1;
const SERVICE_AAE = 2;

async function openStorage(dataDir: string): Promise<Storage> {
  if (dataDir === ':memory:') return openMemoryStorage();
  try {
    return await openDurableStorage({ path: dataDir });
  } catch (err) {
    throw new NodeSetupError(`cannot open the data directory ${dataDir}: ${(err as Error).message}`);
  }
}

const PROFILES: Record<NodeSettings['profile'], () => MembershipConfig> = {
  lan: lanConfig,
  wan: wanConfig,
  local: localConfig,
};

/** A setup problem the operator must fix (bad key, port in use): reported as one line. */
export class NodeSetupError extends Error {
  override readonly name = 'NodeSetupError';
}

/** Resolves a seed's host each join attempt (DNS names may move, e.g. a Kubernetes headless service). */
async function resolveHost(host: string): Promise<readonly string[]> {
  if (isIP(host) !== 0) return [host];
  const found = await lookup(host, { all: true });
  return found.map((a) => a.address);
}

export async function startNode(s: NodeSettings): Promise<HearsayNode> {
  let keyring: Keyring | undefined;
  if (s.encrypt.length > 0) {
    const r = Keyring.fromBase64(s.encrypt[0] as string, s.encrypt.slice(1));
    if (!r.ok) throw new NodeSetupError(`encrypt: ${r.error.message}`);
    keyring = r.value;
  }
  const runtime = realRuntime();
  const log = (s.logger ?? SILENT_LOGGER).child({ node: s.name });
  // Before the transport, so the drops it sees from its first packet on reach /metrics.
  const metrics = createMetricsRegistry({ node: s.name, collectDefault: true });
  let transport: UdpTransport;
  try {
    transport = await UdpTransport.bind({
      host: s.bind,
      port: s.port,
      maxPacketBytes: s.mtuBytes,
      scheduler: runtime.scheduler,
      metrics: metrics.transport(),
      log: log.child({ component: 'transport' }),
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new NodeSetupError(`port ${s.port} on ${s.bind} is already in use (--port)`);
    if (code === 'EADDRNOTAVAIL')
      throw new NodeSetupError(`cannot bind ${s.bind}: no such local address (--bind)`);
    throw new NodeSetupError(`cannot bind ${s.bind}:${s.port}: ${(err as Error).message}`);
  }
  let storage: Storage;
  try {
    storage = await openStorage(s.dataDir);
  } catch (err) {
    await transport.close();
    throw err;
  }
  let kv: KvStore | undefined;
  let http: Awaited<ReturnType<typeof startHttpServer>> | undefined;
  let membership: Membership | undefined;
  let joined = s.join.length === 0;
  try {
    http = await startHttpServer(
      {
        members: () => membership?.members() ?? [],
        forceLeave: (name) => membership?.forceLeave(name) ?? { ok: false, error: 'unknown-member' },
        ready: () => joined,
        metricsText: () => metrics.text(),
        metricsContentType: metrics.contentType,
        get kv() {
          return kv;
        },
        convergence: () => {
          if (kv === undefined) throw new Error('store not running');
          return kv.antiEntropy.convergence();
        },
        convergencePartitions: (offset, limit) => {
          if (kv === undefined) throw new Error('store not running');
          return kv.antiEntropy.partitionStatus(offset, limit);
        },
        namespaces: () => {
          if (kv === undefined) throw new Error('store not running');
          return kv.describeNamespaces();
        },
        ring: (n) => {
          if (kv === undefined) throw new Error('store not running');
          return kv.describeRing(n);
        },
      },
      s.bind,
      s.httpPort,
      { logger: log.child({ component: 'http' }) },
    );
    const router = new RequestRouter(transport);
    const memberLog = log.isLevelEnabled('info')
      ? new MemberStateLog(log.child({ component: 'membership' }))
      : undefined;
    membership = new Membership(
      {
        ...runtime,
        transport: router.service(SERVICE_MEMBERSHIP),
        resolve: resolveHost,
        metrics: memberLog?.metrics(metrics.membership()) ?? metrics.membership(),
      },
      {
        name: s.name,
        cluster: s.cluster,
        config: { ...PROFILES[s.profile](), udpBufferSizeBytes: s.mtuBytes },
        zone: s.zone,
        meta: { http_port: String(http.port) },
        ...(keyring === undefined ? {} : { keyring }),
        ...(s.label === '' ? {} : { label: s.label }),
      },
    );
    memberLog?.attach(membership);
    const view = membership;
    kv = await KvStore.open(
      {
        ...runtime,
        transport: sealedTransport(router.service(SERVICE_KV), {
          keyring,
          label: s.label,
          requireEncryption: true,
          // Store frames failing the label or key check are refused stream traffic, counted by kind.
          stats: new SealStats((kind) => metrics.transport().streamRejected(kind)),
        }),
        aaeTransport: sealedTransport(router.service(SERVICE_AAE), {
          keyring,
          label: s.label,
          requireEncryption: true,
          stats: new SealStats((kind) => metrics.transport().streamRejected(kind)),
        }),
        storage,
        members: () => view.members(),
        metrics: metrics.kv().coordinator,
        replicaMetrics: metrics.kv().replica,
        antiEntropyMetrics: metrics.kv().antiEntropy,
        logger: log.child({ component: 'kv' }),
      },
      { self: s.name, config: { ...defaultKvConfig(), ...s.kv } },
    );
  } catch (err) {
    await http?.close();
    await transport.close();
    await storage.close();
    if (err instanceof RangeError && err.message.startsWith('invalid store config')) {
      throw new NodeSetupError(err.message);
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new NodeSetupError(`HTTP port ${s.httpPort} is already in use (--http-port)`);
    throw err;
  }
  const m = membership;
  const store = kv;
  registerRumorMetrics(metrics.promRegistry, metrics.prefix, () => store.rumorStats());
  registerUnknownMessageMetrics(metrics.promRegistry, metrics.prefix, () => m.decodeStats.unknownMessages);
  m.start();
  store.start();
  log.info(
    {
      gossip: transport.localAddress,
      http: `${s.bind}:${http.port}`,
      cluster: s.cluster,
      zone: s.zone,
      profile: s.profile,
      dataDir: s.dataDir,
      encrypted: keyring !== undefined,
    },
    'node started',
  );
  let stopping = false;
  if (s.join.length > 0) {
    void m.joinWithRetry(s.join).then(
      (r) => {
        if (r.contacted > 0) {
          joined = true;
          log.info({ seeds: s.join, contacted: r.contacted }, 'joined the cluster');
        } else if (!stopping) {
          log.warn({ seeds: s.join, errors: r.errors }, 'could not join: no seed answered');
        }
      },
      (err: unknown) => log.warn({ err, seeds: s.join }, 'join failed'),
    );
  }
  const httpServer = http;
  const close = async (): Promise<void> => {
    stopping = true;
    store.stop();
    m.stop();
    await httpServer.close();
    await transport.close();
    await storage.close();
    log.info({}, 'node stopped');
  };
  return {
    name: s.name,
    address: transport.localAddress,
    httpPort: httpServer.port,
    membership: m,
    metrics,
    kv: store,
    leave: async () => {
      // Announce the leave first, so the new owners know they own what this node hands them, then drain.
      log.info({}, 'leaving the cluster');
      await m.leave();
      const drained = await store.drain();
      log.info({ moved: drained.moved, kept: drained.kept }, 'left the cluster; data handed off');
      await close();
    },
    close,
  };
}
