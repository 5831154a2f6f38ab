import { decodeError, type VersioningDecodeError } from './decode-error.js';
import { DEFAULT_VERSIONING_LIMITS, type VersioningLimits } from './limits.js';
import { compareReplicaIds, type ReplicaId } from './replica-id.js';
import { ByteReader, ByteWriter } from './varint.js';
import type { VersionVector, VvEntry } from './version-vector.js';

/**
 * The causal context as an opaque `X-Context` token: base64url (no padding) of
 *
 *   version:u8(=1) count:varint { id:len-prefixed UTF-8  counter:varint }×count
 *
 * Opaque so clients cannot forge or edit it meaningfully and we can change the format behind the
 * version byte. Decoding accepts only the canonical encoding of a canonical vector (sorted unique
 * ids, counters ≥ 1, re-encodes to the same string), so one context has one token.
 */
export const CONTEXT_TOKEN_VERSION = 1;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export type ContextTokenResult =
  | { readonly ok: true; readonly vv: VersionVector }
  | { readonly ok: false; readonly error: VersioningDecodeError };

export function encodeContextToken(vv: VersionVector): string {
  const w = new ByteWriter();
  w.byte(CONTEXT_TOKEN_VERSION);
  w.varint(vv.length);
  for (const e of vv) {
    w.string(e.id);
    w.varint(e.counter);
  }
  return Buffer.from(w.finish()).toString('base64url');
}

/** Never throws; the empty string is not a token (send no header for an empty context). */
export function decodeContextToken(
  token: string,
  limits: VersioningLimits = DEFAULT_VERSIONING_LIMITS,
): ContextTokenResult {
  if (token.length > limits.maxTokenChars) {
    return { ok: false, error: decodeError('too-large', `${token.length} chars > ${limits.maxTokenChars}`) };
  }
  if (token.length === 0 || !BASE64URL.test(token)) {
    return { ok: false, error: decodeError('bad-encoding', 'not base64url') };
  }
  const bytes = new Uint8Array(Buffer.from(token, 'base64url'));
  // Buffer's decoder tolerates stray trailing bits; insisting on the round trip rejects them.
  if (Buffer.from(bytes).toString('base64url') !== token) {
    return { ok: false, error: decodeError('not-canonical', 'base64url not canonical') };
  }
  const r = new ByteReader(bytes);
  const failed = (): ContextTokenResult => ({ ok: false, error: r.error ?? decodeError('truncated', 'end') });
  const version = r.byte();
  if (version === undefined) return failed();
  if (version !== CONTEXT_TOKEN_VERSION) {
    return { ok: false, error: decodeError('bad-version', `context token version ${version}`) };
  }
  const count = r.varint();
  if (count === undefined) return failed();
  if (count > limits.maxReplicas) {
    return { ok: false, error: decodeError('too-large', `${count} replicas > ${limits.maxReplicas}`) };
  }
  const vv: VvEntry[] = [];
  for (let i = 0; i < count; i++) {
    const id = r.string(limits.maxReplicaIdBytes);
    const counter = id === undefined ? undefined : r.varint();
    if (id === undefined || counter === undefined) return failed();
    const prev = vv[vv.length - 1];
    if (id.length === 0 || counter < 1 || (prev && compareReplicaIds(prev.id, id as ReplicaId) >= 0)) {
      return { ok: false, error: decodeError('not-canonical', `entry ${i}`) };
    }
    vv.push({ id: id as ReplicaId, counter });
  }
  if (r.remaining !== 0) return { ok: false, error: decodeError('trailing-bytes', `${r.remaining} bytes`) };
  return { ok: true, vv };
}
