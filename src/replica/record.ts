import { type DecodeResult, decodeError } from '../versioning/decode-error.js';
import type { DvvSet } from '../versioning/dvvset.js';
import { decodeSet, encodeSet } from '../versioning/dvvset-codec.js';
import { DEFAULT_VERSIONING_LIMITS, type VersioningLimits } from '../versioning/limits.js';
import { ByteReader, ByteWriter } from '../versioning/varint.js';
import type { VersionedValue } from '../versioning/versioned-value.js';

/**
 * What the replica stores per key (and the hint store per hint): a small envelope around the encoded set,
 *
 *   version:u8(=1) atMs:varint set (dvvset-codec, to the end)
 *
 * `atMs` is when this node last changed the record. For a tombstone-only set it is the delete's arrival
 * time, which the reap grace period is measured from (riak_kv keeps a tombstone `delete_mode` ms before
 * reaping; we need the time with the data because a restart must not reset the grace).
 */
export const RECORD_VERSION = 1;

export interface StoredRecord {
  readonly atMs: number;
  readonly set: DvvSet<VersionedValue>;
}

/** A decoded record and the canonical bytes of its set (a slice of the stored bytes: no re-encoding). */
export interface DecodedRecord extends StoredRecord {
  readonly setBytes: Uint8Array;
}

export function encodeRecord(record: StoredRecord): Uint8Array {
  return encodeRecordWithSetBytes(record.atMs, encodeSet(record.set));
}

/** For callers that already hold `encodeSet(set)` (the replica also hands it to its change listener). */
export function encodeRecordWithSetBytes(atMs: number, body: Uint8Array): Uint8Array {
  checkMs(atMs);
  const w = new ByteWriter();
  w.byte(RECORD_VERSION);
  w.varint(atMs);
  const head = w.finish();
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

/** Never throws: bad bytes are a typed error. */
export function decodeRecord(
  bytes: Uint8Array,
  limits: VersioningLimits = DEFAULT_VERSIONING_LIMITS,
): DecodeResult<DecodedRecord> {
  const r = new ByteReader(bytes);
  const version = r.byte();
  if (version === undefined) return { ok: false, error: r.error ?? decodeError('truncated', 'empty record') };
  if (version !== RECORD_VERSION) {
    return { ok: false, error: decodeError('bad-version', `record version ${version}`) };
  }
  const atMs = r.varint();
  if (atMs === undefined) return { ok: false, error: r.error ?? decodeError('truncated', 'record time') };
  // The set codec accepts only canonical encodings, so these bytes equal encodeSet of the decoded set.
  const setBytes = bytes.subarray(bytes.length - r.remaining);
  const set = decodeSet(setBytes, limits);
  return set.ok ? { ok: true, value: { atMs, set: set.value, setBytes } } : set;
}

/** Times are caller-supplied (no clock reads here); a negative or fractional one is a programmer error. */
export function checkMs(ms: number): void {
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw new RangeError(`time must be a non-negative integer ms, got ${ms}`);
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
