import { hearsay } from '../wire/gen/hearsay.js';

/**
 * The anti-entropy service's messages (stream service 2, `AaeRequest`/`AaeResponse` in hearsay.proto): the two
 * reads of a Merkle exchange, on a protocol of their own rather than riding the replica RPC with placeholder
 * keys (issue #13). Repaired keys are pushed to the replica service as ordinary merges.
 */

/** Most tree nodes or segments one request may name (a level of a 1 M-segment tree is wider; it never is here). */
export const MAX_AAE_INDEXES = 65_536;

export type AaeRequest =
  | {
      readonly op: 'tree-level';
      readonly ns: string;
      readonly partition: number;
      readonly level: number;
      readonly indexes: readonly number[];
    }
  | {
      readonly op: 'segment-entries';
      readonly ns: string;
      readonly partition: number;
      readonly segments: readonly number[];
    };

/** One stored key as an exchange ships it: the set's canonical bytes, decoded only by the side that merges. */
export interface AaeEntry {
  readonly key: Uint8Array;
  readonly setBytes: Uint8Array;
}

export type AaeFailureKind = 'bad_request' | 'unavailable';

export type AaeResponse =
  | { readonly kind: 'hashes'; readonly hashes: Uint8Array }
  | { readonly kind: 'entries'; readonly entries: readonly AaeEntry[] }
  | { readonly kind: 'failure'; readonly failure: AaeFailureKind; readonly message: string };

export type AaeDecodeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

const EMPTY = new Uint8Array(0);

export function encodeAaeRequest(req: AaeRequest): Uint8Array {
  const base = { ns: req.ns, partition: req.partition };
  return req.op === 'tree-level'
    ? hearsay.AaeRequest.encode({
        ...base,
        treeLevel: { level: req.level, indexes: [...req.indexes] },
      }).finish()
    : hearsay.AaeRequest.encode({ ...base, segmentEntries: { segments: [...req.segments] } }).finish();
}

export function decodeAaeRequest(bytes: Uint8Array): AaeDecodeResult<AaeRequest> {
  let m: hearsay.AaeRequest;
  try {
    m = hearsay.AaeRequest.decode(bytes);
  } catch (err) {
    return { ok: false, error: `malformed request: ${(err as Error).message}` };
  }
  const base = { ns: m.ns, partition: m.partition };
  if (m.op === 'treeLevel' && m.treeLevel) {
    const indexes = m.treeLevel.indexes ?? [];
    if (indexes.length > MAX_AAE_INDEXES)
      return { ok: false, error: `more than ${MAX_AAE_INDEXES} tree nodes` };
    return { ok: true, value: { ...base, op: 'tree-level', level: m.treeLevel.level ?? 0, indexes } };
  }
  if (m.op === 'segmentEntries' && m.segmentEntries) {
    const segments = m.segmentEntries.segments ?? [];
    if (segments.length > MAX_AAE_INDEXES)
      return { ok: false, error: `more than ${MAX_AAE_INDEXES} segments` };
    return { ok: true, value: { ...base, op: 'segment-entries', segments } };
  }
  return { ok: false, error: 'request without an operation' };
}

export function encodeAaeResponse(res: AaeResponse): Uint8Array {
  switch (res.kind) {
    case 'hashes':
      return hearsay.AaeResponse.encode({ hashes: res.hashes }).finish();
    case 'entries':
      return hearsay.AaeResponse.encode({
        entries: { entries: res.entries.map((e) => ({ key: e.key, set: e.setBytes })) },
      }).finish();
    case 'failure':
      return hearsay.AaeResponse.encode({ failure: { kind: res.failure, message: res.message } }).finish();
  }
}

export function decodeAaeResponse(bytes: Uint8Array): AaeDecodeResult<AaeResponse> {
  let m: hearsay.AaeResponse;
  try {
    m = hearsay.AaeResponse.decode(bytes);
  } catch (err) {
    return { ok: false, error: `malformed response: ${(err as Error).message}` };
  }
  if (m.result === 'hashes') return { ok: true, value: { kind: 'hashes', hashes: m.hashes ?? EMPTY } };
  if (m.result === 'entries') {
    const entries = (m.entries?.entries ?? []).map((e) => ({
      key: e.key ?? EMPTY,
      setBytes: e.set ?? EMPTY,
    }));
    return { ok: true, value: { kind: 'entries', entries } };
  }
  if (m.result === 'failure' && m.failure) {
    const failure: AaeFailureKind = m.failure.kind === 'bad_request' ? 'bad_request' : 'unavailable';
    return { ok: true, value: { kind: 'failure', failure, message: m.failure.message ?? '' } };
  }
  return { ok: false, error: 'response without a result' };
}
