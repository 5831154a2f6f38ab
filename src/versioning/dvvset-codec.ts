import { type DecodeResult, decodeError } from './decode-error.js';
import type { DvvEntry, DvvSet } from './dvvset.js';
import { DEFAULT_VERSIONING_LIMITS, type VersioningLimits } from './limits.js';
import { compareReplicaIds, type ReplicaId } from './replica-id.js';
import { ByteReader, ByteWriter } from './varint.js';
import { type LwwStamp, TOMBSTONE, type VersionedValue } from './versioned-value.js';

/**
 * Storage/replication encoding of a DVV set of byte values:
 *
 *   version:u8(=1) entries:varint { id:bytes counter:varint n:varint value×n }× anon:varint value×anon
 *   value = tag:u8 (0 tombstone | 1 bytes | 2 stamped tombstone | 3 stamped bytes) [stamp] [bytes]
 *   stamp = wallMs:varint logical:varint                 bytes = len:varint raw
 *
 * Tags 2 and 3 (last-writer-wins namespaces) were added without a version bump: sets without stamps encode
 * exactly as before.
 *
 * Entries are written in canonical order and the decoder insists on it (ascending unique ids,
 * counter ≥ 1, at most `counter` values per entry), so every accepted encoding is the one
 * `encodeSet` produces and a decoded set satisfies the DVV invariants `sync` relies on.
 */
export const SET_CODEC_VERSION = 1;
const TAG_TOMBSTONE = 0;
const TAG_VALUE = 1;
const TAG_STAMPED_TOMBSTONE = 2;
const TAG_STAMPED_VALUE = 3;

export function encodeSet(set: DvvSet<VersionedValue>): Uint8Array {
  const w = new ByteWriter();
  w.byte(SET_CODEC_VERSION);
  w.varint(set.entries.length);
  for (const e of set.entries) {
    w.string(e.id);
    w.varint(e.counter);
    w.varint(e.values.length);
    for (const v of e.values) writeValue(w, v);
  }
  w.varint(set.anonymous.length);
  for (const v of set.anonymous) writeValue(w, v);
  return w.finish();
}

function writeValue(w: ByteWriter, v: VersionedValue): void {
  const stamped = v.ts !== undefined;
  if (v.kind === 'tombstone') w.byte(stamped ? TAG_STAMPED_TOMBSTONE : TAG_TOMBSTONE);
  else w.byte(stamped ? TAG_STAMPED_VALUE : TAG_VALUE);
  if (v.ts !== undefined) {
    w.varint(v.ts.wallMs);
    w.varint(v.ts.logical);
  }
  if (v.kind === 'value') w.bytes(v.bytes);
}

/** Never throws: malformed, oversized or non-canonical input is a typed error. */
export function decodeSet(
  bytes: Uint8Array,
  limits: VersioningLimits = DEFAULT_VERSIONING_LIMITS,
): DecodeResult<DvvSet<VersionedValue>> {
  if (bytes.length > limits.maxSetBytes) {
    return { ok: false, error: decodeError('too-large', `${bytes.length} bytes > ${limits.maxSetBytes}`) };
  }
  const r = new ByteReader(bytes);
  const failed = (): DecodeResult<DvvSet<VersionedValue>> => ({
    ok: false,
    error: r.error ?? decodeError('truncated', 'unexpected end'),
  });
  const version = r.byte();
  if (version === undefined) return failed();
  if (version !== SET_CODEC_VERSION) {
    return { ok: false, error: decodeError('bad-version', `set codec version ${version}`) };
  }
  const count = r.varint();
  if (count === undefined) return failed();
  if (count > limits.maxReplicas) {
    return { ok: false, error: decodeError('too-large', `${count} replicas > ${limits.maxReplicas}`) };
  }
  let siblings = 0;
  const entries: DvvEntry<VersionedValue>[] = [];
  for (let i = 0; i < count; i++) {
    const id = r.string(limits.maxReplicaIdBytes);
    const counter = id === undefined ? undefined : r.varint();
    const n = counter === undefined ? undefined : r.varint();
    if (id === undefined || counter === undefined || n === undefined) return failed();
    const prev = entries[entries.length - 1];
    if (
      id.length === 0 ||
      counter < 1 ||
      n > counter ||
      (prev && compareReplicaIds(prev.id, id as ReplicaId) >= 0)
    ) {
      return { ok: false, error: decodeError('not-canonical', `entry ${i}`) };
    }
    siblings += n;
    if (siblings > limits.maxSiblings) return tooManySiblings(siblings, limits);
    const vs = readValues(r, n, limits);
    if (vs === undefined) return failed();
    entries.push({ id: id as ReplicaId, counter, values: vs });
  }
  const anonCount = r.varint();
  if (anonCount === undefined) return failed();
  if (siblings + anonCount > limits.maxSiblings) return tooManySiblings(siblings + anonCount, limits);
  const anonymous = readValues(r, anonCount, limits);
  if (anonymous === undefined) return failed();
  if (r.remaining !== 0) return { ok: false, error: decodeError('trailing-bytes', `${r.remaining} bytes`) };
  return { ok: true, value: { entries, anonymous } };
}

function tooManySiblings(n: number, limits: VersioningLimits): DecodeResult<never> {
  return { ok: false, error: decodeError('too-large', `${n} siblings > ${limits.maxSiblings}`) };
}

function readValues(r: ByteReader, n: number, limits: VersioningLimits): VersionedValue[] | undefined {
  const out: VersionedValue[] = [];
  for (let i = 0; i < n; i++) {
    const tag = r.byte();
    if (tag === undefined) return undefined;
    let ts: LwwStamp | undefined;
    if (tag === TAG_STAMPED_TOMBSTONE || tag === TAG_STAMPED_VALUE) {
      const wallMs = r.varint();
      const logical = wallMs === undefined ? undefined : r.varint();
      if (wallMs === undefined || logical === undefined) return undefined;
      ts = { wallMs, logical };
    }
    if (tag === TAG_TOMBSTONE) {
      out.push(TOMBSTONE);
    } else if (tag === TAG_STAMPED_TOMBSTONE) {
      out.push({ kind: 'tombstone', ts: ts as LwwStamp });
    } else if (tag === TAG_VALUE || tag === TAG_STAMPED_VALUE) {
      const b = r.bytes(limits.maxValueBytes);
      if (b === undefined) return undefined;
      out.push(ts === undefined ? { kind: 'value', bytes: b } : { kind: 'value', bytes: b, ts });
    } else {
      return r.fail(decodeError('bad-tag', `value tag ${tag}`));
    }
  }
  return out;
}
