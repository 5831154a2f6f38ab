import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { startHttpServer } from './http/server.js';
import { lanConfig, localConfig, type MembershipConfig, wanConfig } from './membership/config.js';
import type { Membership } from './membership/membership.js';
import { createMetricsRegistry, type MetricsRegistry } from './metrics/registry.js';
import { assembleNode, type StoreNode } from './node/assemble.js';
import type { KvStore } from './node/kv-store.js';
import { defaultKvConfig, type KvConfigOverrides, mergeKvConfig } from './node/store-config.js';
import { type Logger, SILENT_LOGGER } from './runtime/logger.js';
import { realRuntime } from './runtime/real.js';
import { openDurableStorage } from './storage/default-storage.js';
import { openMemoryStorage } from './storage/memory-storage.js';
import { DEFAULT_DURABILITY, type Durability, type Storage } from './storage/storage.js';
import { UdpTransport } from './transport/udp-transport.js';
import { Keyring } from './wire/index.js';

/**
 * The composition root of a real node (DESIGN.md §1): it builds the real environment — clock, timers and
 * randomness, the UDP+TCP transport, the lmdb/level (or memory) storage, the pino child logger and the
 * metrics registry — hands it to `assembleNode` (src/node/assemble.ts, the wiring shared with the
 * simulator), and serves the HTTP API on the result.
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
  /** When a write is acknowledged (src/storage/storage.ts); ignored by `:memory:`. Default `sync`. */
  readonly durability?: Durability;
  /** Store settings over the defaults (src/node/store-config.ts). */
  readonly kv?: KvConfigOverrides;
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

async function openStorage(dataDir: string, durability: Durability | undefined): Promise<Storage> {
  if (dataDir === ':memory:') return openMemoryStorage();
  try {
    return await openDurableStorage(
      durability === undefined ? { path: dataDir } : { path: dataDir, durability },
    );
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
    storage = await openStorage(s.dataDir, s.durability);
  } catch (err) {
    await transport.close();
    throw err;
  }
  let assembled: StoreNode | undefined;
  let http: Awaited<ReturnType<typeof startHttpServer>> | undefined;
  let joined = s.join.length === 0;
  try {
    http = await startHttpServer(
      {
        members: () => assembled?.membership.members() ?? [],
        forceLeave: (name) =>
          assembled?.membership.forceLeave(name) ?? { ok: false, error: 'unknown-member' },
        ready: () => joined,
        metricsText: () => metrics.text(),
        metricsContentType: metrics.contentType,
        get kv() {
          return assembled?.kv;
        },
        convergence: () => {
          const kv = assembled?.kv;
          if (kv === undefined) throw new Error('store not running');
          return kv.antiEntropy.convergence();
        },
        convergencePartitions: (offset, limit) => {
          const kv = assembled?.kv;
          if (kv === undefined) throw new Error('store not running');
          return kv.antiEntropy.partitionStatus(offset, limit);
        },
        namespaces: () => {
          const kv = assembled?.kv;
          if (kv === undefined) throw new Error('store not running');
          return kv.describeNamespaces();
        },
        ring: (n) => {
          const kv = assembled?.kv;
          if (kv === undefined) throw new Error('store not running');
          return kv.describeRing(n);
        },
      },
      s.bind,
      s.httpPort,
      { logger: log.child({ component: 'http' }) },
    );
    assembled = await assembleNode(
      {
        ...runtime,
        transport,
        storage,
        resolve: resolveHost,
        logger: log,
        metrics,
      },
      {
        name: s.name,
        cluster: s.cluster,
        zone: s.zone,
        meta: { http_port: String(http.port) },
        membership: { ...PROFILES[s.profile](), udpBufferSizeBytes: s.mtuBytes },
        store: mergeKvConfig(defaultKvConfig(), s.kv),
        ...(keyring === undefined ? {} : { keyring }),
        label: s.label,
      },
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
  const node = assembled;
  node.start();
  log.info(
    {
      gossip: transport.localAddress,
      http: `${s.bind}:${http.port}`,
      cluster: s.cluster,
      zone: s.zone,
      profile: s.profile,
      dataDir: s.dataDir,
      durability: s.dataDir === ':memory:' ? undefined : (s.durability ?? DEFAULT_DURABILITY),
      encrypted: keyring !== undefined,
    },
    'node started',
  );
  if (s.join.length > 0) {
    void node.join(s.join).then((ok) => {
      if (ok) joined = true;
    });
  }
  const httpServer = http;
  const close = async (): Promise<void> => {
    node.stop();
    await httpServer.close();
    await node.close();
    log.info({}, 'node stopped');
  };
  return {
    name: s.name,
    address: transport.localAddress,
    httpPort: httpServer.port,
    membership: node.membership,
    metrics,
    kv: node.kv,
    leave: async () => {
      await node.leave();
      await close();
    },
    close,
  };
}
