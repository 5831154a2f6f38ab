/**
 * The two datagrams of rumor mongering's datagram driver (rumor-monger.ts), in a fixed binary layout:
 *
 *   push:      [0x01] [id length: 1 byte, 1..255] [id: UTF-8] [payload: the rest of the datagram]
 *   feedback:  [0x02] [verdict: 0 known, 1 new]   [id length: 1 byte, 1..255] [id: UTF-8]
 *
 * The payload is opaque (the application's encoded update) and is not copied on decode. Decoding is total:
 * anything else — unknown kind, truncation, trailing bytes after a feedback, an empty id, invalid UTF-8 —
 * yields null, never an exception, so a receiver counts and drops garbage.
 */
import { type RumorVerdict, rumorIdBytes } from './rumor-core.js';

export { MAX_RUMOR_ID_BYTES, type RumorVerdict } from './rumor-core.js';

export type RumorMessage =
  | { readonly kind: 'push'; readonly id: string; readonly payload: Uint8Array }
  | { readonly kind: 'feedback'; readonly id: string; readonly verdict: RumorVerdict };

const PUSH_TAG = 0x01;
const FEEDBACK_TAG = 0x02;
const VERDICT_KNOWN = 0;
const VERDICT_NEW = 1;

/** Bytes a push adds to its payload besides the id: kind and id length. */
export const PUSH_HEADER_BYTES = 2;

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Size of the push datagram for an id and payload: what must fit the transport's maxPacketBytes. */
export function pushSizeBytes(id: string, payloadBytes: number): number {
  return PUSH_HEADER_BYTES + rumorIdBytes(id).length + payloadBytes;
}

export function encodePush(id: string, payload: Uint8Array): Uint8Array {
  const idBytes = rumorIdBytes(id);
  const out = new Uint8Array(PUSH_HEADER_BYTES + idBytes.length + payload.length);
  out[0] = PUSH_TAG;
  out[1] = idBytes.length;
  out.set(idBytes, PUSH_HEADER_BYTES);
  out.set(payload, PUSH_HEADER_BYTES + idBytes.length);
  return out;
}

export function encodeFeedback(id: string, verdict: RumorVerdict): Uint8Array {
  const idBytes = rumorIdBytes(id);
  const out = new Uint8Array(3 + idBytes.length);
  out[0] = FEEDBACK_TAG;
  out[1] = verdict === 'new' ? VERDICT_NEW : VERDICT_KNOWN;
  out[2] = idBytes.length;
  out.set(idBytes, 3);
  return out;
}

/** The message in `bytes`, or null when they are not exactly one well-formed rumor datagram. */
export function decodeRumorMessage(bytes: Uint8Array): RumorMessage | null {
  switch (bytes[0]) {
    case PUSH_TAG: {
      const id = readId(bytes, 1);
      if (id === null) return null;
      return { kind: 'push', id: id.id, payload: bytes.subarray(id.end) };
    }
    case FEEDBACK_TAG: {
      const v = bytes[1];
      const verdict = v === VERDICT_NEW ? 'new' : v === VERDICT_KNOWN ? 'known' : null;
      if (verdict === null) return null;
      const id = readId(bytes, 2);
      if (id === null || id.end !== bytes.length) return null;
      return { kind: 'feedback', id: id.id, verdict };
    }
    default:
      return null;
  }
}

/** A length-prefixed UTF-8 id at `at`, and where it ends; null when absent, empty, truncated or not UTF-8. */
function readId(bytes: Uint8Array, at: number): { id: string; end: number } | null {
  const len = bytes[at];
  if (len === undefined || len === 0) return null;
  const end = at + 1 + len;
  if (end > bytes.length) return null;
  try {
    return { id: utf8Decoder.decode(bytes.subarray(at + 1, end)), end };
  } catch {
    // TextDecoder with fatal: true throws a TypeError on invalid UTF-8; that is garbage, not a bug.
    return null;
  }
}
