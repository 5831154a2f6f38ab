import protobuf from 'protobufjs/minimal.js';
import type { Namespace } from '../storage/storage.js';
import type { DvvSet } from '../versioning/dvvset.js';
import { decodeSet, encodeSet } from '../versioning/dvvset-codec.js';
import { DEFAULT_VERSIONING_LIMITS, type VersioningLimits } from '../versioning/limits.js';
import { compareReplicaIds, type ReplicaId } from '../versioning/replica-id.js';
import type { VersionVector, VvEntry } from '../versioning/version-vector.js';
import { bytesValue, TOMBSTONE, type VersionedValue } from '../versioning/versioned-value.js';
import { hearsay } from '../wire/gen/hearsay.js';

/**
 * The replica RPC (DESIGN.md §8–§9): what a coordinator asks of another node's replica — read a key's set,
 * coordinate a client write (mint a dot), or merge a set (replication, read repair, a hint for an absent
 * owner). Messages are `KvRequest`/`KvResponse` of hearsay.proto; sets inside are dvvset-codec bytes.
 * Decoding never throws: a malformed frame is a typed error the service answers as `bad_request`.
 */

type VSet = DvvSet<VersionedValue>;
const EMPTY = new Uint8Array(0);
/** Most tree nodes or segments one anti-entropy request may name (the default tree has 1,024 segments). */
export const MAX_TREE_INDEXES = 1 << 20;

export interface KvTarget {
  readonly ns: Namespace;
  readonly key: Uint8Array;
  readonly partition: number;
}

export type KvRequest = KvTarget &
  // With hintFor, read the hint this (fallback) node keeps for that owner instead of its own data.
  (
    | { readonly op: 'get'; readonly hintFor?: string }
    | {
        readonly op: 'coordinate';
        readonly context: VersionVector;
        readonly value: VersionedValue;
        /** LWW namespaces: the new write also supersedes everything the coordinating replica holds. */
        readonly supersedeLocal?: boolean;
      }
    | { readonly op: 'merge'; readonly set: VSet; readonly hintFor?: string }
    // Answered notfound once the key is gone, found with the stored set when it was kept.
    | { readonly op: 'reap'; readonly expected: VSet; readonly graceMs: number }
  );

/** One stored key as anti-entropy ships it. */
export interface KvEntry {
  readonly key: Uint8Array;
  readonly set: VSet;
}

/** Why a replica could not serve a request; `unavailable` is the transport's (timeout, unreachable…). */
export type KvFailureKind =
  | 'corrupt'
  | 'storage'
  | 'full'
  | 'namespace_limit'
  | 'bad_request'
  | 'unavailable';

export type KvResponse =
  | { readonly kind: 'found'; readonly set: VSet }
  | { readonly kind: 'notfound' }
  | { readonly kind: 'failure'; readonly failure: KvFailureKind; readonly message: string };

export type RpcDecodeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

const FAILURE_KINDS: ReadonlySet<string> = new Set<KvFailureKind>([
  'corrupt',
  'storage',
  'full',
  'namespace_limit',
  'bad_request',
  'unavailable',
]);

export function encodeKvRequest(req: KvRequest): Uint8Array {
  const base = { ns: req.ns, key: req.key, partition: req.partition };
  switch (req.op) {
    case 'get':
      return hearsay.KvRequest.encode({ ...base, get: { hintFor: req.hintFor ?? '' } }).finish();
    case 'reap':
      return hearsay.KvRequest.encode({
        ...base,
        reap: { expected: encodeSet(req.expected), graceMs: req.graceMs },
      }).finish();
    case 'coordinate':
      return hearsay.KvRequest.encode({
        ...base,
        coordinate: {
          context: req.context.map((e) => ({ id: e.id, counter: e.counter })),
          tombstone: req.value.kind === 'tombstone',
          value: req.value.kind === 'value' ? req.value.bytes : new Uint8Array(0),
          stamped: req.value.ts !== undefined,
          tsWallMs: req.value.ts?.wallMs ?? 0,
          tsLogical: req.value.ts?.logical ?? 0,
          supersedeLocal: req.supersedeLocal === true,
        },
      }).finish();
    case 'merge':
      return hearsay.KvRequest.encode({
        ...base,
        merge: { set: encodeSet(req.set), hintFor: req.hintFor ?? '' },
      }).finish();
  }
}

export function decodeKvRequest(
  bytes: Uint8Array,
  limits: VersioningLimits = DEFAULT_VERSIONING_LIMITS,
): RpcDecodeResult<KvRequest> {
  let m: hearsay.KvRequest;
  try {
    m = hearsay.KvRequest.decode(bytes);
  } catch (err) {
    return { ok: false, error: `malformed request: ${(err as Error).message}` };
  }
  const base: KvTarget = { ns: m.ns, key: m.key, partition: m.partition };
  if (m.op === 'get') {
    const hintFor = m.get?.hintFor ?? '';
    return { ok: true, value: { ...base, op: 'get', ...(hintFor === '' ? {} : { hintFor }) } };
  }
  if (m.op === 'reap' && m.reap) {
    const d = decodeSet(m.reap.expected ?? EMPTY, limits);
    if (!d.ok) return { ok: false, error: `bad set: ${d.error.kind}: ${d.error.detail}` };
    return { ok: true, value: { ...base, op: 'reap', expected: d.value, graceMs: m.reap.graceMs ?? 0 } };
  }
  if (m.op === 'coordinate' && m.coordinate) {
    const context = decodeClock(m.coordinate.context ?? [], limits);
    if (typeof context === 'string') return { ok: false, error: context };
    const c = m.coordinate;
    const wallMs = longToNumber(c.tsWallMs);
    if (c.stamped === true && !Number.isSafeInteger(wallMs))
      return { ok: false, error: 'stamp out of range' };
    const ts = c.stamped === true ? { wallMs, logical: c.tsLogical ?? 0 } : undefined;
    const plain = c.tombstone ? TOMBSTONE : bytesValue(c.value ?? EMPTY);
    const value: VersionedValue = ts === undefined ? plain : { ...plain, ts };
    const supersedeLocal = c.supersedeLocal === true;
    return {
      ok: true,
      value: { ...base, op: 'coordinate', context, value, ...(supersedeLocal ? { supersedeLocal } : {}) },
    };
  }
  if (m.op === 'merge' && m.merge) {
    const d = decodeSet(m.merge.set ?? EMPTY, limits);
    if (!d.ok) return { ok: false, error: `bad set: ${d.error.kind}: ${d.error.detail}` };
    const hintFor = m.merge.hintFor ?? '';
    return {
      ok: true,
      value: { ...base, op: 'merge', set: d.value, ...(hintFor === '' ? {} : { hintFor }) },
    };
  }
  return { ok: false, error: 'request without an operation' };
}

export function encodeKvResponse(res: KvResponse): Uint8Array {
  switch (res.kind) {
    case 'found':
      return hearsay.KvResponse.encode({ found: encodeSet(res.set) }).finish();
    case 'notfound':
      return hearsay.KvResponse.encode({ notFound: {} }).finish();
    case 'failure':
      return hearsay.KvResponse.encode({ failure: { kind: res.failure, message: res.message } }).finish();
  }
}

export function decodeKvResponse(
  bytes: Uint8Array,
  limits: VersioningLimits = DEFAULT_VERSIONING_LIMITS,
): RpcDecodeResult<KvResponse> {
  let m: hearsay.KvResponse;
  try {
    m = hearsay.KvResponse.decode(bytes);
  } catch (err) {
    return { ok: false, error: `malformed response: ${(err as Error).message}` };
  }
  if (m.result === 'found') {
    const d = decodeSet(m.found ?? EMPTY, limits);
    if (!d.ok) return { ok: false, error: `bad set: ${d.error.kind}: ${d.error.detail}` };
    return { ok: true, value: { kind: 'found', set: d.value } };
  }
  if (m.result === 'notFound') return { ok: true, value: { kind: 'notfound' } };
  if (m.result === 'failure' && m.failure) {
    const raw = m.failure.kind ?? '';
    const kind = FAILURE_KINDS.has(raw) ? (raw as KvFailureKind) : 'storage';
    return { ok: true, value: { kind: 'failure', failure: kind, message: m.failure.message ?? '' } };
  }
  return { ok: false, error: 'response without a result' };
}

/** A clock off the wire must be canonical (sorted unique ids, counters ≥ 1) and within the limits. */
function decodeClock(
  entries: readonly hearsay.IKvClockEntry[],
  limits: VersioningLimits,
): VersionVector | string {
  if (entries.length > limits.maxReplicas)
    return `context has ${entries.length} replicas > ${limits.maxReplicas}`;
  const out: VvEntry[] = [];
  for (const e of entries) {
    const id = e.id ?? '';
    const counter =
      typeof e.counter === 'number' ? e.counter : protobuf.util.LongBits.from(e.counter ?? 0).toNumber(true);
    const prev = out[out.length - 1];
    if (
      id.length === 0 ||
      Buffer.byteLength(id) > limits.maxReplicaIdBytes ||
      !Number.isSafeInteger(counter) ||
      counter < 1 ||
      (prev !== undefined && compareReplicaIds(prev.id, id as ReplicaId) >= 0)
    ) {
      return 'context is not a canonical version vector';
    }
    out.push({ id: id as ReplicaId, counter });
  }
  return out;
}

/** A uint64 field as a JS number (NaN-free; callers check it is a safe integer). */
function longToNumber(
  v: number | { low: number; high: number; unsigned: boolean } | null | undefined,
): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : protobuf.util.LongBits.from(v).toNumber(true);
}
