import { type DvvSet, join } from '../versioning/dvvset.js';
import { latestStamped } from '../versioning/resolve.js';
import type { VersionVector } from '../versioning/version-vector.js';
import { liveValues, type VersionedValue } from '../versioning/versioned-value.js';

/**
 * What a client asks the coordinator and what it gets back: typed results, never status codes (only src/http
 * maps them, docs/http.md).
 */

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

export function invalid(error: string, reason: KvInvalidReason = 'bad-request'): KvInvalid {
  return { kind: 'invalid', reason, error };
}

/** What a quorum FSM reports when it fell short (get-fsm.ts, put-fsm.ts). */
export interface QuorumShortfall {
  readonly needed: number;
  readonly got: number;
  readonly reachable?: number;
  readonly errors: readonly { readonly replica: string; readonly reason: string }[];
  readonly mayHaveApplied?: boolean;
}

export function unavailable(r: QuorumShortfall): KvUnavailable {
  return {
    kind: 'unavailable',
    needed: r.needed,
    got: r.got,
    ...(r.reachable === undefined ? {} : { reachable: r.reachable }),
    errors: r.errors.map((e) => (e.replica === '' ? e.reason : `${e.replica}: ${e.reason}`)),
    ...(r.mayHaveApplied === undefined ? {} : { mayHaveApplied: r.mayHaveApplied }),
  };
}

/** How a replica's namespace-cap refusal reads in a quorum's error list (`${failure}: ${message}`). */
const NAMESPACE_LIMIT_REASON = 'namespace_limit:';

/** A write no replica took because every one that answered is at its namespace cap: 409, nothing stored. */
export function namespaceLimited(r: QuorumShortfall): KvInvalid | undefined {
  const limited = r.errors.filter((e) => e.reason.startsWith(NAMESPACE_LIMIT_REASON));
  if (r.got > 0 || limited.length === 0 || limited.length < r.errors.length) return undefined;
  const detail = limited[0]?.reason.slice(NAMESPACE_LIMIT_REASON.length) ?? '';
  return invalid(
    `namespace limit reached: a new namespace cannot be created (${detail.trim()})`,
    'namespace-limit',
  );
}

/**
 * What a read returns: strict mode and LWW namespaces one value (the greatest tag or stamp), otherwise every
 * live sibling in clock order.
 */
export function readValues(
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
