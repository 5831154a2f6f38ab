import { AaeClient } from '../antientropy/aae-client.js';
import { AaeService } from '../antientropy/aae-service.js';
import { AntiEntropy, type AntiEntropyMetrics } from '../antientropy/anti-entropy.js';
import { PartitionTrees } from '../antientropy/partition-trees.js';
import { RumorClient } from '../antientropy/rumor-client.js';
import type { RumorStats } from '../antientropy/rumor-core.js';
import { RumorService } from '../antientropy/rumor-service.js';
import { RumorStream } from '../antientropy/rumor-stream.js';
import {
  type CoordinatorMetrics,
  type KvOp,
  type KvOutcome,
  NOOP_COORDINATOR_METRICS,
} from '../coordinator/coordinator-metrics.js';
import { runGet } from '../coordinator/get-fsm.js';
import { runPut } from '../coordinator/put-fsm.js';
import { resolveQuorum, strictModeCheck } from '../coordinator/quorum.js';
import type { NodeId } from '../membership/member.js';
import type { Member } from '../membership/member-events.js';
import { Handoff, type HandoffResult } from '../replica/handoff.js';
import { HintDelivery } from '../replica/hint-delivery.js';
import { HintStore } from '../replica/hints.js';
import { loadEpoch, loadOwners, persistOwner, replicaIdFor, saveEpoch } from '../replica/node-records.js';
import { RESERVED_NAMESPACE_PREFIX, Replica } from '../replica/replica.js';
import { ReplicaClient } from '../replica/replica-client.js';
import type { ReplicaMetrics } from '../replica/replica-metrics.js';
import { encodeKvRequest, encodeKvResponse } from '../replica/replica-rpc.js';
import { ReplicaService } from '../replica/replica-service.js';
import type { PartitionId } from '../ring/partition.js';
import { Placement } from '../ring/placement.js';
import type { RingDescription } from '../ring/ring.js';
import type { Clock } from '../runtime/clock.js';
import { type Logger, SILENT_LOGGER } from '../runtime/logger.js';
import type { Random } from '../runtime/random.js';
import type { Scheduler } from '../runtime/scheduler.js';
import { MAX_NAMESPACE_BYTES } from '../storage/layout.js';
import type { Storage } from '../storage/storage.js';
import type { Transport } from '../transport/transport.js';
import { type DvvSet, join } from '../versioning/dvvset.js';
import { decodeSet, encodeSet } from '../versioning/dvvset-codec.js';
import { type Hlc, now as hlcNow, update as hlcUpdate, hlcZero, withinOffset } from '../versioning/hlc.js';
import { replicaId } from '../versioning/replica-id.js';
import { EMPTY_VV, type VersionVector } from '../versioning/version-vector.js';
import {
  bytesValue,
  type LwwStamp,
  liveValues,
  TOMBSTONE,
  type VersionedValue,
} from '../versioning/versioned-value.js';
import { type KvConfig, type NamespaceConfig, validateKvConfig } from './config.js';
import { GLOBAL_NAMESPACE, GLOBAL_PARTITION, GlobalNamespace } from './global-namespace.js';
import {
  checkGlobalWrite,
  describeNamespaces,
  effectiveSettings,
  type NamespacesReport,
} from './namespace-settings.js';
import { greatestStamp, latestStamped } from './resolve.js';
import { decodeRumorPayload, encodeRumorPayload } from './rumor-payload.js';
import { TokenBucket } from './token-bucket.js';

/**
 * The store on one node (DESIGN.md §6–§9): placement over the membership view, the local replica and hint
 * store served to peers over the stream channel, and get/put/delete coordinated from here for any key. The
 * HTTP API and the CLI call `get`/`put`/`delete`; everything below runs on injected clock, scheduler and
 * transport, so a whole cluster of these runs in the simulator.
 */
export interface KvStoreComponents {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** Anti-entropy's peer rotation. */
  readonly random: Random;
  /** The replica service's stream (get, coordinate, merge, reap). */
  readonly transport: Transport;
  /** The anti-entropy service's stream (Merkle exchange reads). */
  readonly aaeTransport: Transport;
  /** The rumor service's stream (pushes of the global namespace's and the data's rumors). */
  readonly rumorTransport: Transport;
  readonly storage: Storage;
  /** The current membership view (self included); called per request, cheap when unchanged. */
  readonly members: () => readonly Member[];
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

export interface KvGetRequest {
  readonly ns: string;
  readonly key: Uint8Array;
  /** `one`, `quorum`, `all` or an integer; the namespace's default when absent. */
  readonly r?: string;
  readonly timeoutMs?: number;
  readonly repair?: 'sync' | 'async';
}

export interface KvPutRequest {
  readonly ns: string;
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  /** The context the client read (empty for a blind write). */
  readonly context: VersionVector;
  readonly w?: string;
  readonly timeoutMs?: number;
}

export interface KvDeleteRequest extends Omit<KvPutRequest, 'value'> {
  /** Read quorum of a delete without a context (it reads first); the namespace's default when absent. */
  readonly r?: string;
}

/**
 * A request refused before anything was stored, and why (the HTTP layer alone maps reasons to status codes):
 * `bad-request` a parameter, key or setting is wrong; `too-large` the value is over maxValueBytes;
 * `namespace-limit` the write would add a namespace to replicas at their store.maxNamespaces.
 */
export type KvInvalidReason = 'bad-request' | 'too-large' | 'namespace-limit';

export interface KvInvalid {
  readonly kind: 'invalid';
  readonly reason: KvInvalidReason;
  readonly error: string;
}

export interface KvUnavailable {
  readonly kind: 'unavailable';
  readonly needed: number;
  readonly got: number;
  /** Replicas that were reachable (asked); below `needed` means the request was refused before asking. */
  readonly reachable?: number;
  readonly errors: readonly string[];
  /**
   * Writes only: false when no replica can have stored the write, true when it may be on some replicas
   * (and may spread by repair later), as with any write whose quorum was not confirmed.
   */
  readonly mayHaveApplied?: boolean;
}

export type KvGetResult =
  | { readonly kind: 'ok'; readonly values: readonly Uint8Array[]; readonly context: VersionVector }
  | { readonly kind: 'notfound'; readonly context: VersionVector }
  | KvUnavailable
  | KvInvalid;

export type KvPutResult =
  | { readonly kind: 'ok'; readonly context: VersionVector }
  | KvUnavailable
  | KvInvalid;

/** A delete also answers `notfound` (404): a delete without a context read the key and found nothing live. */
export type KvDeleteResult = KvPutResult | { readonly kind: 'notfound'; readonly context: VersionVector };

export class KvStore {
  readonly #placement: Placement;
  readonly service: ReplicaService;
  readonly hints: HintStore;
  readonly #c: KvStoreComponents;
  readonly #config: KvConfig;
  readonly #self: NodeId;
  readonly #client: ReplicaClient;
  readonly #delivery: HintDelivery;
  readonly #metrics: CoordinatorMetrics;
  readonly #handoff: Handoff;
  /** Merkle anti-entropy (sweeps, single exchanges, the convergence report). */
  readonly antiEntropy: AntiEntropy;
  /** The namespace every node holds (cluster-wide settings). */
  readonly global: GlobalNamespace;
  /** The Merkle trees anti-entropy compares (diagnostics and tests). */
  readonly trees: PartitionTrees;
  readonly #globalRumors: RumorStream;
  /** Rumors of data versions some owner missed. */
  readonly #dataRumors: RumorStream;
  readonly #replica: Replica;
  #epoch: number;
  /** This node's hybrid logical clock, for stamping writes in last-writer-wins namespaces. */
  #hlc: Hlc;
  #lastView: readonly Member[] | undefined;
  readonly #log: Logger;

  private constructor(
    c: KvStoreComponents,
    init: KvStoreInit,
    parts: {
      readonly hints: HintStore;
      readonly owners: readonly Member[];
      readonly replica: Replica;
      readonly epoch: number;
      readonly trees: PartitionTrees;
      readonly global: GlobalNamespace;
    },
  ) {
    const { hints, owners, replica, epoch, trees, global } = parts;
    this.global = global;
    this.trees = trees;
    this.#c = c;
    this.#config = init.config;
    this.#self = init.self as NodeId;
    this.#metrics = c.metrics ?? NOOP_COORDINATOR_METRICS;
    const log = c.logger ?? SILENT_LOGGER;
    this.#log = log;
    this.hints = hints;
    this.#placement = new Placement({ partitions: init.config.partitions }, (change) => {
      // Fire and forget, in order: a lost update only costs a restart's head start, never correctness.
      void persistOwner(c.storage, change).catch((err: unknown) =>
        log.warn(
          { err, added: change.added?.id, removed: change.removed },
          'cannot persist the owner set (a restart starts from an older one)',
        ),
      );
    });
    this.#placement.restore(owners);
    this.#epoch = epoch;
    this.#hlc = hlcZero(replicaId(init.self));
    this.service = new ReplicaService(
      {
        clock: c.clock,
        replica,
        hints,
        logger: log,
      },
      { partitions: init.config.partitions },
    );
    this.#client = new ReplicaClient(
      {
        transport: c.transport,
        local: this.service,
        scheduler: c.scheduler,
        addressOf: (node) => this.#view().find((m) => m.id === node)?.addr,
        logger: log,
      },
      this.#self,
    );
    this.#delivery = new HintDelivery(
      {
        hints,
        caller: this.#client,
        scheduler: c.scheduler,
        isUp: (node) => this.placement.isUp(node),
        logger: log,
      },
      {
        intervalMs: init.config.hintDeliveryIntervalMs,
        batch: init.config.hintDeliveryBatch,
        timeoutMs: init.config.requestTimeoutMs,
      },
    );
    this.#handoff = new Handoff(
      {
        replica,
        caller: this.#client,
        scheduler: c.scheduler,
        ring: () => this.placement.ring(),
        isUp: (node) => this.placement.isUp(node),
        replicas: (ns) => this.namespaceSettings(ns).n,
        renewId: async () => {
          this.#epoch++;
          await saveEpoch(c.storage, this.#epoch);
          replica.setLocalId(replicaIdFor(init.self, this.#epoch));
        },
        moved: (count) => this.#metrics.handedOff(count),
        everywhere: new Set([GLOBAL_NAMESPACE]),
        logger: log,
      },
      {
        self: this.#self,
        intervalMs: init.config.handoffIntervalMs,
        timeoutMs: init.config.requestTimeoutMs,
      },
    );
    const aae = new AaeClient({
      transport: c.aaeTransport,
      addressOf: (node) => this.#view().find((m) => m.id === node)?.addr,
    });
    this.antiEntropy = new AntiEntropy(
      {
        aae,
        push: async (peer, ns, key, partition, setBytes, timeoutMs) => {
          const set = decodeSet(setBytes);
          if (!set.ok)
            return { ok: false, error: `our own set does not decode: ${set.error.kind}`, bytes: 0 };
          const req = { op: 'merge' as const, ns, key, partition, set: set.value };
          const res = await this.#client.call(peer, req, timeoutMs);
          const bytes = encodeKvRequest(req).length + encodeKvResponse(res).length;
          if (res.kind === 'found') return { ok: true, bytes };
          return {
            ok: false,
            error: res.kind === 'failure' ? `${res.failure}: ${res.message}` : res.kind,
            bytes,
          };
        },
        local: {
          iteratePartition: (ns, partition) => replica.iteratePartition(ns, partition),
          merge: async (ns, key, partition, setBytes, nowMs) => {
            const set = decodeSet(setBytes);
            if (!set.ok) {
              log.warn({ err: set.error, ns, partition }, 'a key pulled by anti-entropy does not decode');
              return false;
            }
            const r = await replica.merge(ns, key, partition, set.value, nowMs);
            if (!r.ok && r.error.kind !== 'namespace-limit')
              log.warn({ err: r.error, ns, partition }, 'cannot store a key pulled by anti-entropy');
            return r.ok && r.value.changed;
          },
        },
        holdings: () => replica.index.entries(),
        owners: (partition, n) => this.placement.ring().owners(partition as PartitionId, n),
        trees,
        clock: c.clock,
        scheduler: c.scheduler,
        random: c.random,
        isUp: (node) => this.placement.isUp(node),
        replicas: (ns) => this.namespaceSettings(ns).n,
        ...(c.antiEntropyMetrics ? { metrics: c.antiEntropyMetrics } : {}),
        global: { ns: GLOBAL_NAMESPACE, partition: GLOBAL_PARTITION, peers: () => this.#upPeers() },
        limiter: new TokenBucket(
          c.clock,
          c.scheduler,
          init.config.exchangeMaxKeysPerSecond,
          init.config.exchangeMaxKeysPerSecond,
        ),
        logger: log,
      },
      {
        self: this.#self,
        intervalMs: init.config.exchangeIntervalMs,
        timeoutMs: init.config.requestTimeoutMs,
        maxKeysPerExchange: init.config.exchangeMaxKeys,
        concurrency: init.config.exchangeConcurrency,
      },
    );
    // Both rumor channels (the global namespace, data versions) push to any up member with the same settings,
    // over one rumor service and client (stream service 3).
    const rumorService = new RumorService();
    const rumorClient = new RumorClient({
      transport: c.rumorTransport,
      addressOf: (node) => this.#view().find((m) => m.id === node)?.addr,
    });
    const channel = (name: string, deliver: (payload: Uint8Array) => 'new' | 'known'): RumorStream =>
      new RumorStream(
        {
          caller: rumorClient,
          scheduler: c.scheduler,
          random: c.random,
          peers: () => this.#upPeers(),
          deliver: (_id, payload) => deliver(payload),
        },
        {
          channel: name,
          self: this.#self,
          k: init.config.rumorK,
          intervalMs: init.config.rumorIntervalMs,
          fanout: init.config.rumorFanout,
          maxHot: init.config.rumorMaxHot,
          timeoutMs: init.config.requestTimeoutMs,
        },
      );
    this.#globalRumors = channel(GLOBAL_NAMESPACE, (payload) => global.deliver(payload));
    global.attach(this.#globalRumors);
    this.#replica = replica;
    this.#dataRumors = channel(DATA_RUMOR_CHANNEL, (payload) => this.#deliverData(payload));
    c.transport.onRequest((_from, bytes) => this.service.handleBytes(bytes));
    const aaeService = new AaeService(
      {
        trees,
        scanner: replica,
        exchangeable: (ns) => !ns.startsWith(RESERVED_NAMESPACE_PREFIX) && ns !== '',
      },
      { partitions: init.config.partitions },
    );
    c.aaeTransport.onRequest((_from, bytes) => aaeService.handleBytes(bytes));
    rumorService.register(this.#globalRumors);
    rumorService.register(this.#dataRumors);
    c.rumorTransport.onRequest((_from, bytes) => rumorService.handleBytes(bytes));
  }

  /** Placement over the current membership view (refreshed on every access). */
  get placement(): Placement {
    this.#view();
    return this.#placement;
  }

  static async open(components: KvStoreComponents, init: KvStoreInit): Promise<KvStore> {
    const errors = validateKvConfig(init.config);
    if (errors.length > 0) throw new RangeError(`invalid store config: ${errors.join('; ')}`);
    const log = components.logger ?? SILENT_LOGGER;
    const hints = await HintStore.open({
      storage: components.storage,
      ...(components.replicaMetrics ? { metrics: components.replicaMetrics } : {}),
      logger: log,
    });
    const epoch = await loadEpoch(components.storage);
    let replica: Replica | undefined;
    const trees = new PartitionTrees(
      {
        replica: () => replica as Replica,
        holds: (ns, partition) => (replica as Replica).index.holds(ns, partition),
        onEmpty: (ns, partition) => void (replica as Replica).index.forgetIfEmpty(ns, partition),
      },
      { segments: init.config.merkleSegments, maxTrees: init.config.maxTrees },
    );
    let global: GlobalNamespace | undefined;
    replica = new Replica(
      {
        storage: components.storage,
        ...(components.replicaMetrics ? { metrics: components.replicaMetrics } : {}),
        onChange: (ns, partition, key, before, after) => {
          trees.onChange(ns, partition, key, before, after);
          if (ns === GLOBAL_NAMESPACE) global?.onChange(key, after?.set);
        },
      },
      {
        localId: replicaIdFor(init.self, epoch),
        maxNamespaces: init.config.maxNamespaces,
        uncappedNamespaces: [GLOBAL_NAMESPACE],
      },
    );
    await replica.loadNamespaces();
    global = await GlobalNamespace.open(replica, components.clock, log);
    return new KvStore(components, init, {
      hints,
      owners: await loadOwners(components.storage, log),
      replica,
      epoch,
      trees,
      global,
    });
  }

  /** Starts hint delivery, ownership handoff and anti-entropy. */
  start(): void {
    this.#delivery.start();
    this.#handoff.start();
    this.antiEntropy.start();
    this.#globalRumors.start();
    this.#dataRumors.start();
  }

  stop(): void {
    this.#delivery.stop();
    this.#handoff.stop();
    this.antiEntropy.stop();
    this.#globalRumors.stop();
    this.#dataRumors.stop();
  }

  /**
   * A namespace's effective settings: the config's defaults, then the node config's override for it, then the
   * cluster-wide override stored in the global namespace under `ns/<name>` (namespace-settings.ts), which
   * every node sees once it has spread.
   */
  namespaceSettings(ns: string): NamespaceConfig {
    return effectiveSettings(this.#config, this.global, ns);
  }

  /** Every namespace this node knows, with effective settings and their sources (`/cluster/namespaces`). */
  describeNamespaces(): NamespacesReport {
    return describeNamespaces(this.#config, this.global, this.#replica.namespaces());
  }

  /** Rumor mongering counters of the global namespace's and the data's channels (metrics, tests). */
  rumorStats(): { readonly global: RumorStats; readonly data: RumorStats } {
    return { global: this.#globalRumors.stats, data: this.#dataRumors.stats };
  }

  /** Members that are up, this node excepted: rumor and global anti-entropy peers. */
  #upPeers(): readonly NodeId[] {
    return this.#view()
      .filter((m) => m.id !== this.#self && (m.state === 'alive' || m.state === 'suspect'))
      .map((m) => m.id);
  }

  /** One handoff pass now (tests; the timer does this every interval). */
  handoffOnce(): Promise<HandoffResult> {
    return this.#handoff.handoffOnce();
  }

  /**
   * Before a graceful leave: hand every key held here to its owners in the ring without this node, so nothing
   * is lost when the others stop counting it. Keys whose new owners are not all reachable stay (`kept`).
   */
  drain(): Promise<HandoffResult> {
    return this.#handoff.drain(this.placement.ringWithout(this.#self));
  }

  /** Partition owners over the current view (`/cluster/ring?n=`). */
  describeRing(n: number): RingDescription {
    this.#view();
    return this.#placement.describe(n);
  }

  /** One delivery pass now (tests; the timer does this every interval). */
  deliverHints(): Promise<number> {
    return this.#delivery.deliverOnce();
  }

  async get(req: KvGetRequest): Promise<KvGetResult> {
    const t0 = this.#c.clock.now();
    const prep = this.#prepare(req.ns, req.key, req.timeoutMs);
    if (prep.kind === 'invalid') return this.#done('get', t0, 0, prep);
    const { ns, timeoutMs } = prep;
    if (req.ns === GLOBAL_NAMESPACE) {
      // n = all: every node holds the namespace, so a read is local.
      const set = this.global.get(req.key);
      const local =
        set === undefined ? { kind: 'notfound' as const, context: EMPTY_VV } : readValues(set, 'siblings');
      return this.#done('get', t0, 1, local);
    }
    const r = resolveQuorum('r', req.r ?? ns.r, ns.n);
    if (!r.ok) return this.#done('get', t0, 0, invalid(r.error));
    if (ns.strict) {
      const w = resolveQuorum('w', ns.w, ns.n);
      const s = w.ok ? strictModeCheck(ns.n, r.value, w.value) : { ok: true as const };
      if (!s.ok) return this.#done('get', t0, r.value, invalid(s.error));
    }
    const result = await this.#read(req, ns, r.value, timeoutMs, ns.strict);
    if (result.kind === 'ok') this.#metrics.siblings(result.values.length);
    return this.#done('get', t0, r.value, result);
  }

  put(req: KvPutRequest): Promise<KvPutResult> {
    if (req.value.length > this.#config.maxValueBytes) {
      return Promise.resolve(
        invalid(`value is ${req.value.length} bytes, limit ${this.#config.maxValueBytes}`, 'too-large'),
      );
    }
    return this.#write('put', req, bytesValue(req.value));
  }

  /**
   * A delete with the client's context tombstones what that context covers. One without a context (a blind
   * delete, as `curl -X DELETE` sends) reads the key first at R and tombstones exactly what the read returned,
   * as Riak's client-side delete does; nothing live → 404 and nothing written. A write the read did not see
   * survives (docs/kv.md, "Deletes"). Strict namespaces already read a quorum before every write, so their
   * deletes always write and answer 204: a 404 there would be a read without ABD's write-back.
   */
  async delete(req: KvDeleteRequest): Promise<KvDeleteResult> {
    if (req.context.length > 0 || req.ns === GLOBAL_NAMESPACE) return this.#write('delete', req, TOMBSTONE);
    const t0 = this.#c.clock.now();
    const prep = this.#prepare(req.ns, req.key, req.timeoutMs);
    if (prep.kind === 'invalid' || prep.ns.strict) return this.#write('delete', req, TOMBSTONE);
    const { ns, timeoutMs } = prep;
    const r = resolveQuorum('r', req.r ?? ns.r, ns.n);
    if (!r.ok) return this.#done('delete', t0, 0, invalid(r.error));
    const seen = await this.#quorumRead(req, ns, r.value, timeoutMs, false);
    if (seen.kind === 'unavailable')
      return this.#done('delete', t0, r.value, { ...unavailable(seen), mayHaveApplied: false });
    if (seen.kind === 'notfound') return this.#done('delete', t0, r.value, seen);
    const lww = ns.conflict === 'lww';
    if (lww) this.#observeStamp(greatestStamp(seen.merged));
    const found = readValues(seen.merged, lww ? 'latest' : 'siblings');
    if (found.kind !== 'ok') return this.#done('delete', t0, r.value, found);
    return this.#write('delete', { ...req, context: found.context }, TOMBSTONE);
  }

  async #read(
    req: KvGetRequest,
    ns: NamespaceConfig,
    r: number,
    timeoutMs: number,
    strict: boolean,
  ): Promise<Exclude<KvGetResult, KvInvalid>> {
    const result = await this.#quorumRead(req, ns, r, timeoutMs, strict);
    switch (result.kind) {
      case 'unavailable':
        return unavailable(result);
      case 'notfound':
        return { kind: 'notfound', context: result.context };
      case 'ok':
        if (ns.conflict === 'lww') this.#observeStamp(greatestStamp(result.merged));
        return readValues(result.merged, strict || ns.conflict === 'lww' ? 'latest' : 'siblings');
    }
  }

  /** R replies merged; `writeBack` is ABD's second read phase (strict reads). */
  async #quorumRead(
    req: Pick<KvGetRequest, 'ns' | 'key' | 'repair'>,
    ns: NamespaceConfig,
    r: number,
    timeoutMs: number,
    writeBack: boolean,
  ) {
    const partition = this.#placement.partitionOf(req.key);
    const sloppy = this.#config.sloppyQuorum && !ns.strict;
    const targets = this.#placement.targets(partition, ns.n, sloppy);
    const result = await runGet(
      { caller: this.#client, clock: this.#c.clock, scheduler: this.#c.scheduler, metrics: this.#metrics },
      {
        ns: req.ns,
        key: req.key,
        partition,
        targets,
        n: ns.n,
        r,
        timeoutMs,
        syncRepair: (req.repair ?? this.#config.readRepair) === 'sync',
        writeBack,
        tombstoneGraceMs: this.#config.tombstoneGraceMs,
      },
    );
    return result.kind === 'unavailable' ? { ...result, reachable: targets.length } : result;
  }

  /** A write to the global namespace: local, then spread; refused unless it fits the settings schema. */
  async #writeGlobal(req: KvDeleteRequest, value: VersionedValue): Promise<KvPutResult> {
    const error = checkGlobalWrite(req.key, value, {
      config: this.#config,
      current: this.global.get(req.key),
      owners: this.placement.ring().members().length,
    });
    if (error !== undefined) return invalid(error);
    const set = await this.global.write(req.key, req.context, value);
    if (typeof set === 'string') {
      return {
        kind: 'unavailable',
        needed: 1,
        got: 0,
        errors: [`local store: ${set}`],
        mayHaveApplied: false,
      };
    }
    return { kind: 'ok', context: join(set) };
  }

  /** A fresh stamp from this node's hybrid logical clock (never behind an earlier one, even if time jumps back). */
  #stamp(): LwwStamp {
    this.#hlc = hlcNow(this.#hlc, Math.floor(this.#c.clock.wallMs()));
    return { wallMs: this.#hlc.wallMs, logical: this.#hlc.logical };
  }

  /**
   * A strict write's tag: strictly above `seen` (the greatest tag a read quorum returned) whatever the clocks
   * say, as ABD requires, and above this node's earlier tags. Wall time only keeps tags near real time, so a
   * write after a tombstone was reaped (its tag forgotten) still orders after older stragglers.
   */
  #tagAbove(seen: LwwStamp | undefined): LwwStamp {
    const now = Math.floor(this.#c.clock.wallMs());
    this.#hlc =
      seen === undefined
        ? hlcNow(this.#hlc, now)
        : hlcUpdate(this.#hlc, { ...seen, node: this.#hlc.node }, now);
    return { wallMs: this.#hlc.wallMs, logical: this.#hlc.logical };
  }

  /** A stamp read from replicas moves our clock past it (so our next write orders after what we read). */
  #observeStamp(ts: LwwStamp | undefined): void {
    if (ts === undefined) return;
    const now = Math.floor(this.#c.clock.wallMs());
    const remote = { ...ts, node: this.#hlc.node };
    if (withinOffset(remote, now, this.#config.maxClockOffsetMs))
      this.#hlc = hlcUpdate(this.#hlc, remote, now);
  }

  async #write(op: KvOp, req: KvDeleteRequest, value: VersionedValue): Promise<KvPutResult> {
    const t0 = this.#c.clock.now();
    const prep = this.#prepare(req.ns, req.key, req.timeoutMs);
    if (prep.kind === 'invalid') return this.#done(op, t0, 0, prep);
    const { ns, timeoutMs } = prep;
    if (req.ns === GLOBAL_NAMESPACE) return this.#done(op, t0, 1, await this.#writeGlobal(req, value));
    const w = resolveQuorum('w', req.w ?? ns.w, ns.n);
    if (!w.ok) return this.#done(op, t0, 0, invalid(w.error));
    let context = req.context;
    const lww = ns.conflict === 'lww';
    if (ns.strict) {
      const r = resolveQuorum('r', ns.r, ns.n);
      const s = r.ok ? strictModeCheck(ns.n, r.value, w.value) : { ok: false as const, error: 'bad r' };
      if (!r.ok || !s.ok) return this.#done(op, t0, w.value, invalid(s.ok ? 'bad r' : s.error));
      // ABD's first phase (docs/consistency.md, "Strict mode"): read a quorum, then write with a tag above
      // every tag it returned, over exactly what it returned. The client's context is not used: it may cover
      // a sibling with a higher tag than this write's, and a lower tag must never cover a higher one.
      const seen = await this.#quorumRead(req, ns, r.value, timeoutMs, false);
      if (seen.kind === 'unavailable')
        return this.#done(op, t0, w.value, { ...unavailable(seen), mayHaveApplied: false });
      context = seen.context;
      value = { ...value, ts: this.#tagAbove(seen.kind === 'ok' ? greatestStamp(seen.merged) : undefined) };
    } else if (lww) {
      value = { ...value, ts: this.#stamp() };
    }
    const partition = this.#placement.partitionOf(req.key);
    const targets = this.#placement.targets(partition, ns.n, this.#config.sloppyQuorum && !ns.strict);
    const result = await runPut(
      { caller: this.#client, clock: this.#c.clock, scheduler: this.#c.scheduler },
      {
        ns: req.ns,
        key: req.key,
        partition,
        targets,
        self: this.#self,
        n: ns.n,
        w: w.value,
        context,
        value,
        timeoutMs,
        ...(lww && !ns.strict ? { supersedeLocal: true } : {}),
      },
    );
    if (result.kind === 'ok') {
      void result.settled.then((acked) => {
        // An owner that never acknowledged (failed or timed out) gets the new version by rumor.
        if (targets.every((t) => acked.includes(t.node))) return;
        const bytes = encodeSet(result.set);
        if (bytes.length > this.#config.rumorMaxBytes) return;
        const { id, payload } = encodeRumorPayload(req.ns, partition, req.key, bytes);
        this.#dataRumors.spread(id, payload);
      });
    }
    const out: KvPutResult =
      result.kind === 'ok'
        ? { kind: 'ok', context: join(result.set) }
        : (namespaceLimited(result) ?? unavailable({ ...result, reachable: targets.length }));
    return this.#done(op, t0, w.value, out);
  }

  /**
   * A data rumor pushed here: an owner of the key stores it (asynchronously; the feedback says "new" the first
   * time it hears of this version), anyone else answers "known", which counts towards the pusher losing
   * interest.
   */
  #deliverData(payload: Uint8Array): 'new' | 'known' {
    const d = decodeRumorPayload(payload);
    if (d === undefined || d.ns === GLOBAL_NAMESPACE) return 'known';
    const owners = this.placement.primaries(d.partition as PartitionId, this.namespaceSettings(d.ns).n);
    if (owners.includes(this.#self)) {
      // Not stored here: anti-entropy brings the version again later; the operator should know the disk failed.
      const failed = (err: unknown): void =>
        this.#log.warn({ err, ns: d.ns, partition: d.partition }, 'cannot store a data rumor');
      void this.#replica
        .merge(d.ns, d.key, d.partition, d.set, Math.floor(this.#c.clock.wallMs()))
        .then((r) => {
          // The namespace cap refusing is counted (replica metrics) and not a fault of this node.
          if (!r.ok && r.error.kind !== 'namespace-limit') failed(r.error);
        }, failed);
    }
    return 'new';
  }

  #prepare(
    nsName: string,
    key: Uint8Array,
    timeoutMs: number | undefined,
  ): KvInvalid | { kind: 'ok'; ns: NamespaceConfig; timeoutMs: number } {
    const nsBytes = Buffer.byteLength(nsName);
    if (nsBytes === 0 || nsBytes > MAX_NAMESPACE_BYTES || nsName.startsWith(RESERVED_NAMESPACE_PREFIX)) {
      return invalid(`namespace must be 1..${MAX_NAMESPACE_BYTES} bytes and must not start with NUL`);
    }
    if (key.length === 0 || key.length > this.#config.maxKeyBytes) {
      return invalid(`key must be 1..${this.#config.maxKeyBytes} bytes, got ${key.length}`);
    }
    const t = timeoutMs ?? this.#config.requestTimeoutMs;
    if (!(Number.isInteger(t) && t >= 1 && t <= this.#config.maxRequestTimeoutMs)) {
      return invalid(`timeout must be an integer number of ms in [1, ${this.#config.maxRequestTimeoutMs}]`);
    }
    this.#view();
    return { kind: 'ok', ns: this.namespaceSettings(nsName), timeoutMs: t };
  }

  /** The membership view, fed to placement when it changed (membership caches its list until a change). */
  #view(): readonly Member[] {
    const members = this.#c.members();
    if (members !== this.#lastView) {
      this.#lastView = members;
      this.#placement.observe(members);
    }
    return members;
  }

  #done<T extends KvGetResult | KvPutResult>(op: KvOp, t0: number, quorum: number, result: T): T {
    const outcome: KvOutcome = result.kind;
    this.#metrics.request(op, outcome, quorum, this.#c.clock.now() - t0);
    return result;
  }
}

/** How a replica's namespace-cap refusal reads in a quorum's error list (`${failure}: ${message}`). */
const NAMESPACE_LIMIT_REASON = 'namespace_limit:';

/** The rumor channel of data writes (a namespace name no client can use: it starts with NUL). */
const DATA_RUMOR_CHANNEL = '\u0000data';

function invalid(error: string, reason: KvInvalidReason = 'bad-request'): KvInvalid {
  return { kind: 'invalid', reason, error };
}

/** A write no replica took because every one that answered is at its namespace cap: 409, nothing stored. */
function namespaceLimited(r: {
  got: number;
  errors: readonly { replica: string; reason: string }[];
}): KvInvalid | undefined {
  const limited = r.errors.filter((e) => e.reason.startsWith(NAMESPACE_LIMIT_REASON));
  if (r.got > 0 || limited.length === 0 || limited.length < r.errors.length) return undefined;
  const detail = limited[0]?.reason.slice(NAMESPACE_LIMIT_REASON.length) ?? '';
  return invalid(
    `namespace limit reached: a new namespace cannot be created (${detail.trim()})`,
    'namespace-limit',
  );
}

function unavailable(r: {
  needed: number;
  got: number;
  reachable?: number;
  errors: readonly { replica: string; reason: string }[];
  mayHaveApplied?: boolean;
}): KvUnavailable {
  return {
    kind: 'unavailable',
    needed: r.needed,
    got: r.got,
    ...(r.reachable === undefined ? {} : { reachable: r.reachable }),
    errors: r.errors.map((e) => (e.replica === '' ? e.reason : `${e.replica}: ${e.reason}`)),
    ...(r.mayHaveApplied === undefined ? {} : { mayHaveApplied: r.mayHaveApplied }),
  };
}

/**
 * What a read returns: strict mode and LWW namespaces one value (the greatest tag or stamp), otherwise every
 * live sibling in clock order.
 */
function readValues(
  merged: DvvSet<VersionedValue>,
  mode: 'siblings' | 'latest',
): Exclude<KvGetResult, KvInvalid> {
  const context = join(merged);
  if (mode === 'latest') {
    const v = latestStamped(merged);
    return v === undefined || v.kind === 'tombstone'
      ? { kind: 'notfound', context }
      : { kind: 'ok', values: [v.bytes], context };
  }
  const live = liveValues(merged);
  return live.length === 0 ? { kind: 'notfound', context } : { kind: 'ok', values: live, context };
}
