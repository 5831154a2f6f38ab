/**
 * Push/pull messages assembled from pre-encoded node states. A push/pull carries the sender's whole member
 * table, and a node re-sends mostly the same records exchange after exchange (and, in the simulator, every
 * node sends the same records): callers cache each record's encoded PushNodeState and this module frames
 * them, instead of re-encoding every field of every member per exchange. The result is byte-identical to
 * `encodeMessage({ type: 'pushPull', ... })` (a property test holds it to that).
 */
import { type EncodedMessage, framedSizeBytes, varintSizeBytes, writeVarint } from './codec.js';
import { hearsay } from './gen/hearsay.js';
import type { PushNodeState } from './messages.js';
import { pushNodeStateToProto } from './proto-convert.js';

/** Keys (field << 3 | wire type) of PushPull and of Message.push_pull, as hearsay.proto numbers them. */
const NODE_COUNT_KEY = (1 << 3) | 0;
const JOIN_KEY = (2 << 3) | 0;
const NODES_KEY = (3 << 3) | 2;
const USER_STATE_KEY = (4 << 3) | 2;
const MESSAGE_PUSH_PULL_KEY = (8 << 3) | 2;

/** One node state's bytes, for the caller to cache and pass to encodePushPullMessage. */
export function encodePushNodeState(node: PushNodeState): Uint8Array {
  return hearsay.PushNodeState.encode(pushNodeStateToProto(node)).finish();
}

/** The encoded `Message { push_pull }` with these already-encoded node states. */
export function encodePushPullMessage(
  join: boolean,
  nodes: readonly Uint8Array[],
  userState: Uint8Array,
): EncodedMessage {
  let body = 0;
  if (nodes.length > 0) body += 1 + varintSizeBytes(nodes.length);
  if (join) body += 2;
  for (const n of nodes) body += framedSizeBytes(n.length);
  if (userState.length > 0) body += framedSizeBytes(userState.length);
  const out = new Uint8Array(framedSizeBytes(body));
  let at = 0;
  out[at++] = MESSAGE_PUSH_PULL_KEY;
  at = writeVarint(out, at, body);
  if (nodes.length > 0) {
    out[at++] = NODE_COUNT_KEY;
    at = writeVarint(out, at, nodes.length);
  }
  if (join) {
    out[at++] = JOIN_KEY;
    out[at++] = 1;
  }
  for (const n of nodes) {
    out[at++] = NODES_KEY;
    at = writeVarint(out, at, n.length);
    out.set(n, at);
    at += n.length;
  }
  if (userState.length > 0) {
    out[at++] = USER_STATE_KEY;
    at = writeVarint(out, at, userState.length);
    out.set(userState, at);
  }
  return out as EncodedMessage;
}
