import type { Clock } from '../runtime/clock.js';
import { type Logger, SILENT_LOGGER } from '../runtime/logger.js';
import { keyError, MAX_NAMESPACE_BYTES } from '../storage/layout.js';
import type { DvvSet } from '../versioning/dvvset.js';
import { DEFAULT_VERSIONING_LIMITS, type VersioningLimits } from '../versioning/limits.js';
import type { VersionedValue } from '../versioning/versioned-value.js';
import type { HintStore } from './hints.js';
import { RESERVED_NAMESPACE_PREFIX, type Replica } from './replica.js';
import type { ReplicaError, ReplicaResult } from './replica-error.js';
import {
  decodeKvRequest,
  encodeKvResponse,
  type KvFailureKind,
  type KvRequest,
  type KvResponse,
} from './replica-rpc.js';

/**
 * The serving side of the replica RPC: one node's answer to get / coordinate / merge / reap, over its
 * `Replica` (owned data) and `HintStore` (data kept for absent owners). The same object answers local calls
 * (the coordinator short-circuits to it) and remote frames (`handleBytes`), so both paths run one code.
 */
export interface ReplicaServiceComponents {
  readonly clock: Clock;
  readonly replica: Replica;
  readonly hints: HintStore;
  /** Local storage failures and corrupt records, which the requester sees only as one failed reply, at warn. */
  readonly logger?: Logger;
}

export interface ReplicaServiceInit {
  /** Ring size Q: a request naming a partition outside [0, Q) is refused. */
  readonly partitions: number;
  readonly limits?: VersioningLimits;
}

export class ReplicaService {
  readonly #c: ReplicaServiceComponents;
  readonly #partitions: number;
  readonly #limits: VersioningLimits;

  constructor(components: ReplicaServiceComponents, init: ReplicaServiceInit) {
    this.#c = components;
    this.#partitions = init.partitions;
    this.#limits = init.limits ?? DEFAULT_VERSIONING_LIMITS;
  }

  /** A frame off the stream channel → the response frame. Never throws on bad input. */
  async handleBytes(bytes: Uint8Array): Promise<Uint8Array> {
    const d = decodeKvRequest(bytes, this.#limits);
    if (!d.ok) return encodeKvResponse(failure('bad_request', d.error));
    return encodeKvResponse(await this.handle(d.value));
  }

  async handle(req: KvRequest): Promise<KvResponse> {
    const res = await this.#handle(req);
    // A quorum met by the other replicas hides this one's failed disk from the client: say it here.
    if (res.kind === 'failure' && (res.failure === 'storage' || res.failure === 'corrupt')) {
      (this.#c.logger ?? SILENT_LOGGER).warn(
        { op: req.op, ns: req.ns, partition: req.partition, failure: res.failure, err: res.message },
        'replica operation failed',
      );
    }
    return res;
  }

  async #handle(req: KvRequest): Promise<KvResponse> {
    const bad = this.#validate(req);
    if (bad !== undefined) return failure('bad_request', bad);
    const { ns, key, partition } = req;
    // Record times are whole ms (the virtual clock has fractions).
    const now = Math.floor(this.#c.clock.wallMs());
    switch (req.op) {
      case 'get': {
        const r =
          req.hintFor === undefined
            ? await this.#c.replica.get(ns, key, partition)
            : await this.#c.hints.hint(req.hintFor, ns, key, partition);
        return setResponse(r);
      }
      case 'coordinate':
        return setResponse(
          await this.#c.replica.coordinate(ns, key, partition, req.context, req.value, now, {
            supersedeLocal: req.supersedeLocal === true,
          }),
        );
      case 'merge': {
        if (req.hintFor !== undefined) {
          const r = await this.#c.hints.addHint(req.hintFor, ns, key, partition, req.set, now);
          return r.ok ? { kind: 'found', set: r.value.set } : fromError(r.error);
        }
        const r = await this.#c.replica.merge(ns, key, partition, req.set, now);
        return r.ok ? { kind: 'found', set: r.value.set } : fromError(r.error);
      }
      case 'reap': {
        const due = await this.#c.replica.reapable(ns, key, partition, now, req.graceMs);
        if (!due.ok) return fromError(due.error);
        if (due.value === undefined) return setResponse(await this.#c.replica.get(ns, key, partition));
        const r = await this.#c.replica.reap(ns, key, partition, req.expected);
        if (!r.ok) return fromError(r.error);
        if (r.value === 'changed') return setResponse(await this.#c.replica.get(ns, key, partition));
        return { kind: 'notfound' };
      }
    }
  }

  #validate(req: KvRequest): string | undefined {
    if (!(Number.isInteger(req.partition) && req.partition >= 0 && req.partition < this.#partitions)) {
      return `partition ${req.partition} outside [0, ${this.#partitions})`;
    }
    if (req.ns.startsWith(RESERVED_NAMESPACE_PREFIX)) return 'reserved namespace';
    const nsBytes = Buffer.byteLength(req.ns);
    if (nsBytes === 0 || nsBytes > MAX_NAMESPACE_BYTES)
      return `namespace must be 1..${MAX_NAMESPACE_BYTES} bytes`;
    return keyError(req.key);
  }
}

function failure(kind: KvFailureKind, message: string): KvResponse {
  return { kind: 'failure', failure: kind, message };
}

function fromError(e: ReplicaError): KvResponse {
  switch (e.kind) {
    case 'corrupt':
      return failure('corrupt', `stored record does not decode: ${e.error.kind}`);
    case 'storage':
      return failure('storage', `${e.code}: ${e.message}`);
    case 'full':
      return failure('full', `hint store holds ${e.limit} hints`);
    case 'namespace-limit':
      return failure('namespace_limit', `node holds ${e.limit} namespaces, its limit (store.maxNamespaces)`);
  }
}

function setResponse(r: ReplicaResult<DvvSet<VersionedValue> | undefined>): KvResponse {
  if (!r.ok) return fromError(r.error);
  return r.value === undefined ? { kind: 'notfound' } : { kind: 'found', set: r.value };
}
