import type { NodeId } from '../membership/member.js';
import { GLOBAL_NAMESPACE } from '../replica/global-namespace.js';
import type { VSet } from '../replica/replica.js';
import type { ReplicaCaller } from '../replica/replica-client.js';
import type { PartitionId } from '../ring/partition.js';
import type { Placement } from '../ring/placement.js';
import type { Clock } from '../runtime/clock.js';
import type { Scheduler } from '../runtime/scheduler.js';
import { join } from '../versioning/dvvset.js';
import { greatestStamp } from '../versioning/resolve.js';
import { EMPTY_VV, type VersionVector } from '../versioning/version-vector.js';
import { bytesValue, TOMBSTONE, type VersionedValue } from '../versioning/versioned-value.js';
import type { CoordinatorConfig } from './config.js';
import {
  type CoordinatorMetrics,
  type KvOp,
  type KvOutcome,
  NOOP_COORDINATOR_METRICS,
} from './coordinator-metrics.js';
import { runGet } from './get-fsm.js';
import type { NamespaceConfig, NamespaceDefaults } from './namespace-config.js';
import { checkGlobalWrite } from './namespace-settings.js';
import { runPut } from './put-fsm.js';
import { requestQuorum, validateRequest } from './request-prep.js';
import {
  invalid,
  type KvDeleteRequest,
  type KvDeleteResult,
  type KvGetRequest,
  type KvGetResult,
  type KvInvalid,
  type KvPutRequest,
  type KvPutResult,
  namespaceLimited,
  readValues,
  unavailable,
} from './results.js';
import type { WriteClock } from './write-clock.js';

/** The global namespace as the coordinator writes it: local, then spread (replica/global-namespace.ts). */
export interface GlobalWrites {
  get(key: Uint8Array): VSet | undefined;
  write(key: Uint8Array, context: VersionVector, value: VersionedValue): Promise<VSet | string>;
}

export interface CoordinatorComponents {
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly caller: ReplicaCaller;
  /** Preference lists over the current membership view. */
  readonly placement: Placement;
  /** A namespace's effective settings (namespace-settings.ts). */
  readonly settings: (ns: string) => NamespaceConfig;
  readonly global: GlobalWrites;
  /**
   * A write some owner never acknowledged (failed or timed out), with the set it stored: spread it by rumor so
   * that owner gets it before anti-entropy would.
   */
  readonly missed: (ns: string, partition: PartitionId, key: Uint8Array, set: VSet) => void;
  readonly metrics?: CoordinatorMetrics;
}

export interface CoordinatorInit {
  readonly self: NodeId;
  readonly config: CoordinatorConfig;
  /** The node config's namespace settings (a `_global` settings write is checked over them). */
  readonly namespaces: NamespaceDefaults;
  /** The hybrid logical clock of LWW stamps and strict tags (write-clock.ts). */
  readonly writeClock: WriteClock;
}

/**
 * Get, put and delete for any key, coordinated from this node (riak_kv_get_fsm/put_fsm): validate once
 * (request-prep.ts), prepare (strict read-before-write with an ABD tag, LWW stamps), execute the quorum FSM
 * (get-fsm.ts, put-fsm.ts), finalize (the post-write rumor to owners that missed the write, metrics).
 */
export class Coordinator {
  readonly #c: CoordinatorComponents;
  readonly #config: CoordinatorConfig;
  readonly #namespaces: NamespaceDefaults;
  readonly #self: NodeId;
  readonly #metrics: CoordinatorMetrics;
  readonly #hlc: WriteClock;

  constructor(c: CoordinatorComponents, init: CoordinatorInit) {
    this.#c = c;
    this.#config = init.config;
    this.#namespaces = init.namespaces;
    this.#self = init.self;
    this.#metrics = c.metrics ?? NOOP_COORDINATOR_METRICS;
    this.#hlc = init.writeClock;
  }

  async get(req: KvGetRequest): Promise<KvGetResult> {
    const t0 = this.#c.clock.now();
    const valid = validateRequest(this.#config, req);
    if (valid.kind === 'invalid') return this.#done('get', t0, 0, valid);
    if (req.ns === GLOBAL_NAMESPACE) {
      // n = all: every node holds the namespace, so a read is local.
      const set = this.#c.global.get(req.key);
      const local =
        set === undefined ? { kind: 'notfound' as const, context: EMPTY_VV } : readValues(set, 'siblings');
      return this.#done('get', t0, 1, local);
    }
    const ns = this.#c.settings(req.ns);
    const q = requestQuorum(ns, 'r', req.r);
    if ('kind' in q) return this.#done('get', t0, 0, q);
    const result = await this.#read(req, ns, q.quorum, valid.timeoutMs);
    if (result.kind === 'ok') this.#metrics.siblings(result.values.length);
    return this.#done('get', t0, q.quorum, result);
  }

  put(req: KvPutRequest): Promise<KvPutResult> {
    if (req.value.length > this.#config.maxValueBytes) {
      const limit = this.#config.maxValueBytes;
      return Promise.resolve(invalid(`value is ${req.value.length} bytes, limit ${limit}`, 'too-large'));
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
    const valid = validateRequest(this.#config, req);
    const ns = valid.kind === 'invalid' ? undefined : this.#c.settings(req.ns);
    if (valid.kind === 'invalid' || ns === undefined || ns.strict)
      return this.#write('delete', req, TOMBSTONE);
    const q = requestQuorum(ns, 'r', req.r);
    if ('kind' in q) return this.#done('delete', t0, 0, q);
    const seen = await this.#quorumRead(req, ns, q.quorum, valid.timeoutMs, false);
    if (seen.kind === 'unavailable')
      return this.#done('delete', t0, q.quorum, { ...unavailable(seen), mayHaveApplied: false });
    if (seen.kind === 'notfound') return this.#done('delete', t0, q.quorum, seen);
    const lww = ns.conflict === 'lww';
    if (lww) this.#hlc.observe(greatestStamp(seen.merged));
    const found = readValues(seen.merged, lww ? 'latest' : 'siblings');
    if (found.kind !== 'ok') return this.#done('delete', t0, q.quorum, found);
    return this.#write('delete', { ...req, context: found.context }, TOMBSTONE);
  }

  async #read(
    req: KvGetRequest,
    ns: NamespaceConfig,
    r: number,
    timeoutMs: number,
  ): Promise<Exclude<KvGetResult, KvInvalid>> {
    const result = await this.#quorumRead(req, ns, r, timeoutMs, ns.strict);
    switch (result.kind) {
      case 'unavailable':
        return unavailable(result);
      case 'notfound':
        return { kind: 'notfound', context: result.context };
      case 'ok':
        if (ns.conflict === 'lww') this.#hlc.observe(greatestStamp(result.merged));
        return readValues(result.merged, ns.strict || ns.conflict === 'lww' ? 'latest' : 'siblings');
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
    const { placement } = this.#c;
    const partition = placement.partitionOf(req.key);
    const targets = placement.targets(partition, ns.n, this.#config.sloppyQuorum && !ns.strict);
    const result = await runGet(
      { caller: this.#c.caller, clock: this.#c.clock, scheduler: this.#c.scheduler, metrics: this.#metrics },
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
      config: this.#namespaces,
      current: this.#c.global.get(req.key),
      owners: this.#c.placement.ring().members().length,
    });
    if (error !== undefined) return invalid(error);
    const set = await this.#c.global.write(req.key, req.context, value);
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

  async #write(op: KvOp, req: KvDeleteRequest, value: VersionedValue): Promise<KvPutResult> {
    const t0 = this.#c.clock.now();
    const valid = validateRequest(this.#config, req);
    if (valid.kind === 'invalid') return this.#done(op, t0, 0, valid);
    const { timeoutMs } = valid;
    if (req.ns === GLOBAL_NAMESPACE) return this.#done(op, t0, 1, await this.#writeGlobal(req, value));
    const ns = this.#c.settings(req.ns);
    const q = requestQuorum(ns, 'w', req.w);
    if ('kind' in q) return this.#done(op, t0, 0, q);
    const w = q.quorum;
    let context = req.context;
    const lww = ns.conflict === 'lww';
    if (q.strictR !== undefined) {
      // ABD's first phase (docs/consistency.md, "Strict mode"): read a quorum, then write with a tag above
      // every tag it returned, over exactly what it returned. The client's context is not used: it may cover
      // a sibling with a higher tag than this write's, and a lower tag must never cover a higher one.
      const seen = await this.#quorumRead(req, ns, q.strictR, timeoutMs, false);
      if (seen.kind === 'unavailable')
        return this.#done(op, t0, w, { ...unavailable(seen), mayHaveApplied: false });
      context = seen.context;
      value = {
        ...value,
        ts: this.#hlc.tagAbove(seen.kind === 'ok' ? greatestStamp(seen.merged) : undefined),
      };
    } else if (lww) {
      value = { ...value, ts: this.#hlc.stamp() };
    }
    const { placement } = this.#c;
    const partition = placement.partitionOf(req.key);
    const targets = placement.targets(partition, ns.n, this.#config.sloppyQuorum && !ns.strict);
    const result = await runPut(
      { caller: this.#c.caller, clock: this.#c.clock, scheduler: this.#c.scheduler },
      {
        ns: req.ns,
        key: req.key,
        partition,
        targets,
        self: this.#self,
        n: ns.n,
        w,
        context,
        value,
        timeoutMs,
        ...(lww && !ns.strict ? { supersedeLocal: true } : {}),
      },
    );
    if (result.kind === 'ok') {
      void result.settled.then((acked) => {
        if (!targets.every((t) => acked.includes(t.node)))
          this.#c.missed(req.ns, partition, req.key, result.set);
      });
    }
    const out: KvPutResult =
      result.kind === 'ok'
        ? { kind: 'ok', context: join(result.set) }
        : (namespaceLimited(result) ?? unavailable({ ...result, reachable: targets.length }));
    return this.#done(op, t0, w, out);
  }

  #done<T extends KvGetResult | KvPutResult>(op: KvOp, t0: number, quorum: number, result: T): T {
    const outcome: KvOutcome = result.kind;
    this.#metrics.request(op, outcome, quorum, this.#c.clock.now() - t0);
    return result;
  }
}
