import type { MembershipConfig } from '../membership/config.js';
import type { MemberMeta } from '../membership/member-events.js';
import { Membership, type MembershipInit } from '../membership/membership.js';
import { registerRumorMetrics } from '../metrics/prom-kv-metrics.js';
import { registerUnknownMessageMetrics } from '../metrics/prom-transport-metrics.js';
import type { MetricsRegistry } from '../metrics/registry.js';
import type { Clock } from '../runtime/clock.js';
import { type Logger, SILENT_LOGGER } from '../runtime/logger.js';
import type { Random } from '../runtime/random.js';
import type { Scheduler } from '../runtime/scheduler.js';
import type { Storage } from '../storage/storage.js';
import { RequestRouter } from '../transport/request-router.js';
import type { Transport } from '../transport/transport.js';
import { type Keyring, SealStats } from '../wire/index.js';
import { sealedTransport } from '../wire/sealed-transport.js';
import { KvStore } from './kv-store.js';
import { MemberStateLog } from './member-log.js';
import type { KvConfig } from './store-config.js';

/**
 * One node assembly (DESIGN.md §1) for real and simulated nodes: the environment is what differs — real
 * sockets, disk, pino and clocks (src/node.ts) or the simulator's transport, memory disk, virtual clock and
 * a silent logger (test/sim) — the wiring never does. Sealing, metrics, member-state logging, leave → drain
 * and every background loop run the same way in both.
 */

/** Service ids on the stream channel (one byte per request frame, src/transport/request-router.ts). */
export const SERVICE_MEMBERSHIP = 0;
export const SERVICE_KV = 1;
export const SERVICE_AAE = 2;
export const SERVICE_RUMOR = 3;

/** What the node runs on: everything with a real and a simulated implementation. */
export interface NodeEnv {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** Membership uses it; the store a fork of it. */
  readonly random: Random;
  /** The raw packet + stream transport (the gossip port); the assembly routes and seals it. */
  readonly transport: Transport;
  /** The node's disk; required unless `settings.store` is false. Closed by `close()`. */
  readonly storage?: Storage;
  /** DNS for seed names, resolved at every join attempt. Default: IP literals only. */
  readonly resolve?: (host: string) => Promise<readonly string[]>;
  /** The node's logger (its lines should already carry `{ node }`). Default: silent. */
  readonly logger?: Logger;
  /** The node's metrics registry (src/metrics/registry.ts). Default: no metrics. */
  readonly metrics?: MetricsRegistry;
}

/** What the node is: its identity and the typed configuration of each layer. */
export interface NodeAssemblySettings {
  readonly name: string;
  readonly cluster: string;
  readonly zone?: string;
  readonly meta?: MemberMeta;
  readonly membership: MembershipConfig;
  /** The store's full config, or false for a membership-only node (large membership simulations). */
  readonly store: KvConfig | false;
  /** Seals packets and stream frames (AES-256-GCM); absent: plaintext. */
  readonly keyring?: Keyring;
  /** Cluster label authenticated with every packet and frame; '' or absent: none. */
  readonly label?: string;
  /** Members to start with (a converged snapshot, MembershipInit.knownMembers), for warm simulations. */
  readonly knownMembers?: MembershipInit['knownMembers'];
}

export interface MembershipNode {
  readonly name: string;
  readonly membership: Membership;
  readonly metrics: MetricsRegistry | undefined;
  /** Starts membership's loops and the store's background tasks. */
  start(): void;
  /**
   * Joins through `seeds` in the background (retrying as membership does); resolves true once a seed
   * answered. Logs the outcome.
   */
  join(seeds: readonly string[]): Promise<boolean>;
  /**
   * Leaves gracefully: announces `left` (so the new owners know they own what this node hands them), then
   * drains its data to them. Does not stop or close anything.
   */
  leave(): Promise<void>;
  /** Stops every loop (a crash, for the simulator); idempotent. Transport and storage stay open. */
  stop(): void;
  /** `stop()`, then closes the transport and the storage. */
  close(): Promise<void>;
}

export interface StoreNode extends MembershipNode {
  readonly kv: KvStore;
}

/** `settings.store` false: membership only (no storage needed). */
export function assembleNode(
  env: NodeEnv,
  settings: NodeAssemblySettings & { readonly store: false },
): Promise<MembershipNode>;
export function assembleNode(
  env: NodeEnv,
  settings: NodeAssemblySettings & { readonly store: KvConfig },
): Promise<StoreNode>;
export async function assembleNode(
  env: NodeEnv,
  settings: NodeAssemblySettings,
): Promise<MembershipNode | StoreNode> {
  const log = env.logger ?? SILENT_LOGGER;
  const metrics = env.metrics;
  const { keyring } = settings;
  const label = settings.label ?? '';
  const router = new RequestRouter(env.transport);
  const memberLog = log.isLevelEnabled('info')
    ? new MemberStateLog(log.child({ component: 'membership' }))
    : undefined;
  const membershipMetrics = metrics?.membership();
  const wrappedMetrics = memberLog === undefined ? membershipMetrics : memberLog.metrics(membershipMetrics);
  const membership = new Membership(
    {
      clock: env.clock,
      scheduler: env.scheduler,
      random: env.random,
      transport: router.service(SERVICE_MEMBERSHIP),
      ...(env.resolve === undefined ? {} : { resolve: env.resolve }),
      ...(wrappedMetrics === undefined ? {} : { metrics: wrappedMetrics }),
      logger: log.child({ component: 'membership' }),
    },
    {
      name: settings.name,
      cluster: settings.cluster,
      config: settings.membership,
      ...(settings.zone === undefined ? {} : { zone: settings.zone }),
      ...(settings.meta === undefined ? {} : { meta: settings.meta }),
      ...(keyring === undefined ? {} : { keyring }),
      ...(label === '' ? {} : { label }),
      ...(settings.knownMembers === undefined ? {} : { knownMembers: settings.knownMembers }),
    },
  );
  memberLog?.attach(membership);
  if (metrics !== undefined) {
    registerUnknownMessageMetrics(
      metrics.promRegistry,
      metrics.prefix,
      () => membership.decodeStats.unknownMessages,
    );
  }

  let kv: KvStore | undefined;
  if (settings.store !== false) {
    if (env.storage === undefined) throw new RangeError('assembleNode: a store node needs env.storage');
    // Store frames failing the label or key check are refused stream traffic, counted by kind.
    const seal = (service: number): Transport =>
      sealedTransport(router.service(service), {
        keyring,
        label,
        requireEncryption: true,
        stats: new SealStats((kind) => metrics?.transport().streamRejected(kind)),
      });
    const kvMetrics = metrics?.kv();
    kv = await KvStore.open(
      {
        clock: env.clock,
        scheduler: env.scheduler,
        random: env.random.fork(),
        transport: seal(SERVICE_KV),
        aaeTransport: seal(SERVICE_AAE),
        rumorTransport: seal(SERVICE_RUMOR),
        storage: env.storage,
        membership: { members: () => membership.members(), onEvent: (l) => membership.onEvent(l) },
        ...(kvMetrics === undefined
          ? {}
          : {
              metrics: kvMetrics.coordinator,
              replicaMetrics: kvMetrics.replica,
              antiEntropyMetrics: kvMetrics.antiEntropy,
            }),
        logger: log.child({ component: 'kv' }),
      },
      { self: settings.name, config: settings.store },
    );
    const store = kv;
    if (metrics !== undefined) {
      registerRumorMetrics(metrics.promRegistry, metrics.prefix, () => store.rumorStats());
    }
  }

  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    kv?.stop();
    membership.stop();
  };
  const handle: MembershipNode = {
    name: settings.name,
    membership,
    metrics,
    start: () => {
      membership.start();
      kv?.start();
    },
    join: async (seeds) => {
      try {
        const r = await membership.joinWithRetry(seeds);
        if (r.contacted > 0) {
          log.info({ seeds, contacted: r.contacted }, 'joined the cluster');
          return true;
        }
        if (!stopped) log.warn({ seeds, errors: r.errors }, 'could not join: no seed answered');
      } catch (err) {
        log.warn({ err, seeds }, 'join failed');
      }
      return false;
    },
    leave: async () => {
      log.info({}, 'leaving the cluster');
      await membership.leave();
      if (kv !== undefined) {
        const drained = await kv.drain();
        log.info({ moved: drained.moved, kept: drained.kept }, 'left the cluster; data handed off');
      } else {
        log.info({}, 'left the cluster');
      }
    },
    stop,
    close: async () => {
      stop();
      await env.transport.close();
      await env.storage?.close();
    },
  };
  return kv === undefined ? handle : { ...handle, kv };
}
