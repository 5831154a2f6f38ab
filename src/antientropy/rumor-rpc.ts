import { hearsay } from '../wire/gen/hearsay.js';
import { MAX_RUMOR_ID_BYTES, type RumorVerdict } from './rumor-core.js';

/**
 * The rumor service's messages (stream service 3, `RumorPush`/`RumorFeedback` in hearsay.proto): one push of
 * rumor mongering and the receiver's verdict, on a protocol of their own rather than riding the replica RPC
 * with a placeholder key and partition (issue #13). The request/response pairing is the feedback's address,
 * so neither message repeats the other's id. Decoding never throws: a malformed frame is a typed error.
 */

export interface RumorRequest {
  /** The receiving node's channel (the global namespace, or data rumors). */
  readonly channel: string;
  readonly id: string;
  readonly payload: Uint8Array;
}

export type RumorFailureKind = 'bad_request' | 'unavailable';

export type RumorResponse =
  | { readonly kind: 'verdict'; readonly verdict: RumorVerdict }
  | { readonly kind: 'failure'; readonly failure: RumorFailureKind; readonly message: string };

export type RumorDecodeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

const EMPTY = new Uint8Array(0);
const { RUMOR_VERDICT_KNOWN, RUMOR_VERDICT_NEW } = hearsay.RumorVerdict;

export function encodeRumorRequest(req: RumorRequest): Uint8Array {
  return hearsay.RumorPush.encode({ channel: req.channel, id: req.id, payload: req.payload }).finish();
}

export function decodeRumorRequest(bytes: Uint8Array): RumorDecodeResult<RumorRequest> {
  let m: hearsay.RumorPush;
  try {
    m = hearsay.RumorPush.decode(bytes);
  } catch (err) {
    return { ok: false, error: `malformed push: ${(err as Error).message}` };
  }
  if (m.channel === '') return { ok: false, error: 'push without a channel' };
  const idBytes = Buffer.byteLength(m.id);
  if (idBytes === 0 || idBytes > MAX_RUMOR_ID_BYTES) {
    return { ok: false, error: `rumor id must be 1..${MAX_RUMOR_ID_BYTES} UTF-8 bytes, got ${idBytes}` };
  }
  return { ok: true, value: { channel: m.channel, id: m.id, payload: m.payload ?? EMPTY } };
}

export function encodeRumorResponse(res: RumorResponse): Uint8Array {
  if (res.kind === 'verdict') {
    const verdict = res.verdict === 'new' ? RUMOR_VERDICT_NEW : RUMOR_VERDICT_KNOWN;
    return hearsay.RumorFeedback.encode({ verdict }).finish();
  }
  return hearsay.RumorFeedback.encode({ failure: { kind: res.failure, message: res.message } }).finish();
}

export function decodeRumorResponse(bytes: Uint8Array): RumorDecodeResult<RumorResponse> {
  let m: hearsay.RumorFeedback;
  try {
    m = hearsay.RumorFeedback.decode(bytes);
  } catch (err) {
    return { ok: false, error: `malformed feedback: ${(err as Error).message}` };
  }
  if (m.result === 'verdict') {
    if (m.verdict === RUMOR_VERDICT_NEW) return { ok: true, value: { kind: 'verdict', verdict: 'new' } };
    if (m.verdict === RUMOR_VERDICT_KNOWN) return { ok: true, value: { kind: 'verdict', verdict: 'known' } };
    return { ok: false, error: `unknown verdict ${m.verdict}` };
  }
  if (m.result === 'failure' && m.failure) {
    const failure: RumorFailureKind = m.failure.kind === 'bad_request' ? 'bad_request' : 'unavailable';
    return { ok: true, value: { kind: 'failure', failure, message: m.failure.message ?? '' } };
  }
  return { ok: false, error: 'feedback without a result' };
}
