import { AaeClient } from '../antientropy/aae-client.js';
import { AaeService } from '../antientropy/aae-service.js';
import { AntiEntropy, type AntiEntropyMetrics } from '../antientropy/anti-entropy.js';
import { PartitionTrees } from '../antientropy/partition-trees.js';
import { RumorClient } from '../antientropy/rumor-client.js';
import { RumorService } from '../antientropy/rumor-service.js';
import { RumorStream } from '../antientropy/rumor-stream.js';
import { Coordinator } from '../coordinator/coordinator.js';
import type { CoordinatorMetrics } from '../coordinator/coordinator-metrics.js';
import type { NamespaceConfig } from '../coordinator/namespace-config.js';
import { effectiveSettings } from '../coordinator/namespace-settings.js';
import { WriteClock } from '../coordinator/write-clock.js';
import type { NodeId } from '../membership/member.js';
import type { Member } from '../membership/member-events.js';
import { GLOBAL_NAMESPACE, GLOBAL_PARTITION, GlobalNamespace } from '../replica/global-namespace.js';
import { Handoff } from '../replica/handoff.js';
import { HintDelivery } from '../replica/hint-delivery.js';
import { HintStore } from '../replica/hints.js';
import { loadEpoch, loadOwners, persistOwner, replicaIdFor, saveEpoch } from '../replica/node-records.js';
import { RESERVED_NAMESPACE_PREFIX, Replica } from '../replica/replica.js';
import { ReplicaClient } from '../replica/replica-client.js';
import type { ReplicaMetrics } from '../replica/replica-metrics.js';
import { encodeKvRequest, encodeKvResponse } from '../replica/replica-rpc.js';
import { ReplicaService } from '../replica/replica-service.js';
import { decodeRumorPayload, encodeRumorPayload } from '../replica/rumor-payload.js';
import type { PartitionId } from '../ring/partition.js';
import { Placement } from '../ring/placement.js';
import type { Clock } from '../runtime/clock.js';
import { type Logger, SILENT_LOGGER } from '../runtime/logger.js';
import type { Random } from '../runtime/random.js';
import type { Scheduler } from '../runtime/scheduler.js';
import { TokenBucket } from '../runtime/token-bucket.js';
import type { Storage } from '../storage/storage.js';
import type { Transport } from '../transport/transport.js';
import { decodeSet, encodeSet } from '../versioning/dvvset-codec.js';
import { replicaId } from '../versioning/replica-id.js';
import type { KvConfig } from './store-config.js';

/** The membership view the store follows: the current members and an event on every change (memberlist's EventDelegate). */
export interface MembershipView {
  /** Every known member, this node included. */
  members(): readonly Member[];
  /** Called on every join, leave, failure and update; returns the unsubscribe. */
  onEvent(listener: () => void): () => void;
}

export interface KvStoreComponents {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** Anti-entropy's peer rotation and the rumor peers. */
  readonly random: Random;
  /** The replica service's stream (get, coordinate, merge, reap). */
  readonly transport: Transport;
  /** The anti-entropy service's stream (Merkle exchange reads). */
  readonly aaeTransport: Transport;
  /** The rumor service's stream (pushes of the global namespace's and the data's rumors). */
  readonly rumorTransport: Transport;
  readonly storage: Storage;
  readonly membership: MembershipView;
  readonly metrics?: CoordinatorMetrics;
  readonly replicaMetrics?: ReplicaMetrics;
  readonly antiEntropyMetrics?: AntiEntropyMetrics;
  /** Failures the store survives (a disk write, a rumor it could not store) are logged here at warn. */
  readonly logger?: Logger;
}

export interface KvStoreInit {
  readonly self: string;
  readonly config: KvConfig;
}

/** Everything one node's store runs, wired (kv-store.ts is the façade over it). */
export interface StoreParts {
  readonly placement: Placement;
  readonly coordinator: Coordinator;
  readonly replica: Replica;
  readonly service: ReplicaService;
  readonly hints: HintStore;
  readonly delivery: HintDelivery;
  readonly handoff: Handoff;
  readonly antiEntropy: AntiEntropy;
  readonly trees: PartitionTrees;
  readonly global: GlobalNamespace;
  readonly globalRumors: RumorStream;
  readonly dataRumors: RumorStream;
  readonly settings: (ns: string) => NamespaceConfig;
}

/** The rumor channel of data writes (a namespace name no client can use: it starts with NUL). */
const DATA_RUMOR_CHANNEL = '\u0000data';

/**
 * Opens the store's durable parts (hints, epoch, owner set, namespaces, the global namespace) and wires the
 * rest around them: placement following membership events, the replica service and client, hint delivery,
 * handoff, Merkle anti-entropy, both rumor channels and the coordinator.
 */
export async function openStoreParts(c: KvStoreComponents, init: KvStoreInit): Promise<StoreParts> {
  const { config } = init;
  const self = init.self as NodeId;
  const log = c.logger ?? SILENT_LOGGER;
  const hints = await HintStore.open({
    storage: c.storage,
    ...(c.replicaMetrics ? { metrics: c.replicaMetrics } : {}),
    logger: log,
  });
  let epoch = await loadEpoch(c.storage);
  // The trees and the global namespace follow the replica's changes; the replica needs them to exist first.
  let replica: Replica | undefined;
  let global: GlobalNamespace | undefined;
  const trees = new PartitionTrees(
    {
      replica: () => replica as Replica,
      holds: (ns, partition) => (replica as Replica).index.holds(ns, partition),
      onEmpty: (ns, partition) => void (replica as Replica).index.forgetIfEmpty(ns, partition),
    },
    { segments: config.merkle.segments, maxTrees: config.merkle.maxTrees },
  );
  const local = new Replica(
    {
      storage: c.storage,
      ...(c.replicaMetrics ? { metrics: c.replicaMetrics } : {}),
      onChange: (ns, partition, key, before, after) => {
        trees.onChange(ns, partition, key, before, after);
        if (ns === GLOBAL_NAMESPACE) global?.onChange(key, after?.set);
      },
    },
    {
      localId: replicaIdFor(init.self, epoch),
      maxNamespaces: config.maxNamespaces,
      uncappedNamespaces: [GLOBAL_NAMESPACE],
    },
  );
  replica = local;
  await local.loadNamespaces();
  const globalNs = await GlobalNamespace.open(local, c.clock, log);
  global = globalNs;
  const settings = (ns: string): NamespaceConfig => effectiveSettings(config, globalNs, ns);

  const placement = new Placement({ partitions: config.partitions }, (change) => {
    // Fire and forget, in order: a lost update only costs a restart's head start, never correctness.
    void persistOwner(c.storage, change).catch((err: unknown) =>
      log.warn(
        { err, added: change.added?.id, removed: change.removed },
        'cannot persist the owner set (a restart starts from an older one)',
      ),
    );
  });
  placement.restore(await loadOwners(c.storage, log));
  placement.observe(c.membership.members());
  c.membership.onEvent(() => placement.observe(c.membership.members()));
  const addressOf = (node: NodeId): string | undefined =>
    c.membership.members().find((m) => m.id === node)?.addr;
  const upPeers = (): readonly NodeId[] =>
    c.membership
      .members()
      .filter((m) => m.id !== self && (m.state === 'alive' || m.state === 'suspect'))
      .map((m) => m.id);
  const isUp = (node: NodeId): boolean => placement.isUp(node);
  const replicas = (ns: string): number => settings(ns).n;

  const service = new ReplicaService(
    {
      clock: c.clock,
      replica: local,
      hints,
      logger: log,
    },
    { partitions: config.partitions },
  );
  const client = new ReplicaClient(
    { transport: c.transport, local: service, scheduler: c.scheduler, addressOf, logger: log },
    self,
  );
  const delivery = new HintDelivery(
    { hints, caller: client, scheduler: c.scheduler, isUp, logger: log },
    {
      intervalMs: config.hints.intervalMs,
      batch: config.hints.batch,
      timeoutMs: config.request.timeoutMs,
    },
  );
  const handoff = new Handoff(
    {
      replica: local,
      caller: client,
      scheduler: c.scheduler,
      ring: () => placement.ring(),
      isUp,
      replicas,
      renewId: async () => {
        epoch++;
        await saveEpoch(c.storage, epoch);
        local.setLocalId(replicaIdFor(init.self, epoch));
      },
      moved: (count) => c.metrics?.handedOff(count),
      everywhere: new Set([GLOBAL_NAMESPACE]),
      logger: log,
    },
    { self, intervalMs: config.handoff.intervalMs, timeoutMs: config.request.timeoutMs },
  );
  const antiEntropy = new AntiEntropy(
    {
      aae: new AaeClient({ transport: c.aaeTransport, addressOf }),
      push: async (peer, ns, key, partition, setBytes, timeoutMs) => {
        const set = decodeSet(setBytes);
        if (!set.ok) return { ok: false, error: `our own set does not decode: ${set.error.kind}`, bytes: 0 };
        const req = { op: 'merge' as const, ns, key, partition, set: set.value };
        const res = await client.call(peer, req, timeoutMs);
        const bytes = encodeKvRequest(req).length + encodeKvResponse(res).length;
        if (res.kind === 'found') return { ok: true, bytes };
        return {
          ok: false,
          error: res.kind === 'failure' ? `${res.failure}: ${res.message}` : res.kind,
          bytes,
        };
      },
      local: {
        iteratePartition: (ns, partition) => local.iteratePartition(ns, partition),
        merge: async (ns, key, partition, setBytes, nowMs) => {
          const set = decodeSet(setBytes);
          if (!set.ok) {
            log.warn({ err: set.error, ns, partition }, 'a key pulled by anti-entropy does not decode');
            return false;
          }
          const r = await local.merge(ns, key, partition, set.value, nowMs);
          if (!r.ok && r.error.kind !== 'namespace-limit')
            log.warn({ err: r.error, ns, partition }, 'cannot store a key pulled by anti-entropy');
          return r.ok && r.value.changed;
        },
      },
      holdings: () => local.index.entries(),
      owners: (partition, n) => placement.ring().owners(partition as PartitionId, n),
      trees,
      clock: c.clock,
      scheduler: c.scheduler,
      random: c.random,
      isUp,
      replicas,
      ...(c.antiEntropyMetrics ? { metrics: c.antiEntropyMetrics } : {}),
      global: { ns: GLOBAL_NAMESPACE, partition: GLOBAL_PARTITION, peers: upPeers },
      limiter: new TokenBucket(
        c.clock,
        c.scheduler,
        config.antiEntropy.maxKeysPerSecond,
        config.antiEntropy.maxKeysPerSecond,
      ),
      logger: log,
    },
    {
      self,
      intervalMs: config.antiEntropy.intervalMs,
      timeoutMs: config.request.timeoutMs,
      maxKeysPerExchange: config.antiEntropy.maxKeys,
      concurrency: config.antiEntropy.concurrency,
    },
  );
  // Both rumor channels (the global namespace, data versions) push to any up member with the same settings,
  // over one rumor service and client (stream service 3).
  const rumorService = new RumorService();
  const rumorClient = new RumorClient({ transport: c.rumorTransport, addressOf });
  const channel = (name: string, deliver: (payload: Uint8Array) => 'new' | 'known'): RumorStream =>
    new RumorStream(
      {
        caller: rumorClient,
        scheduler: c.scheduler,
        random: c.random,
        peers: upPeers,
        deliver: (_id, p) => deliver(p),
      },
      {
        channel: name,
        self,
        k: config.rumor.k,
        intervalMs: config.rumor.intervalMs,
        fanout: config.rumor.fanout,
        maxHot: config.rumor.maxHot,
        timeoutMs: config.request.timeoutMs,
      },
    );
  const globalRumors = channel(GLOBAL_NAMESPACE, (payload) => globalNs.deliver(payload));
  globalNs.attach((id, payload) => globalRumors.spread(id, payload));
  /**
   * A data rumor pushed here: an owner of the key stores it (asynchronously; the feedback says "new" the first
   * time it hears of this version), anyone else answers "known", which counts towards the pusher losing
   * interest.
   */
  const deliverData = (payload: Uint8Array): 'new' | 'known' => {
    const d = decodeRumorPayload(payload);
    if (d === undefined || d.ns === GLOBAL_NAMESPACE) return 'known';
    if (placement.primaries(d.partition as PartitionId, replicas(d.ns)).includes(self)) {
      // Not stored here: anti-entropy brings the version again later; the operator should know the disk failed.
      const failed = (err: unknown): void =>
        log.warn({ err, ns: d.ns, partition: d.partition }, 'cannot store a data rumor');
      void local.merge(d.ns, d.key, d.partition, d.set, Math.floor(c.clock.wallMs())).then((r) => {
        // The namespace cap refusing is counted (replica metrics) and not a fault of this node.
        if (!r.ok && r.error.kind !== 'namespace-limit') failed(r.error);
      }, failed);
    }
    return 'new';
  };
  const data = channel(DATA_RUMOR_CHANNEL, deliverData);
  rumorService.register(globalRumors);
  rumorService.register(data);
  c.rumorTransport.onRequest((_from, bytes) => rumorService.handleBytes(bytes));
  c.transport.onRequest((_from, bytes) => service.handleBytes(bytes));
  const aaeService = new AaeService(
    {
      trees,
      scanner: local,
      exchangeable: (ns) => !ns.startsWith(RESERVED_NAMESPACE_PREFIX) && ns !== '',
    },
    { partitions: config.partitions },
  );
  c.aaeTransport.onRequest((_from, bytes) => aaeService.handleBytes(bytes));

  const coordinator = new Coordinator(
    {
      clock: c.clock,
      scheduler: c.scheduler,
      caller: client,
      placement,
      settings,
      global: globalNs,
      missed: (ns, partition, key, set) => {
        const bytes = encodeSet(set);
        if (bytes.length > config.rumor.maxBytes) return; // left to anti-entropy
        const { id, payload } = encodeRumorPayload(ns, partition, key, bytes);
        data.spread(id, payload);
      },
      ...(c.metrics ? { metrics: c.metrics } : {}),
    },
    {
      self,
      config: config.request,
      namespaces: config,
      writeClock: new WriteClock(c.clock, replicaId(init.self), config.request.maxClockOffsetMs),
    },
  );
  return {
    placement,
    coordinator,
    replica: local,
    service,
    hints,
    delivery,
    handoff,
    antiEntropy,
    trees,
    global: globalNs,
    globalRumors,
    dataRumors: data,
    settings,
  };
}
