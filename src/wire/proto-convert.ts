/**
 * Between the protobufjs objects of hearsay.proto and the validated WireMessage union. `toProto` trusts its
 * input (our own messages); `fromProto` trusts nothing: decoded packets are untrusted input, so every rule
 * the protocol relies on (names present and printable, ports in range, counts bounded) is checked here.
 */
import type { hearsay } from './gen/hearsay.js';
import type { WireLimits } from './limits.js';
import type {
  Meta,
  NodeState,
  ProbeSource,
  PushNodeState,
  PushPull,
  Versions,
  WireMessage,
} from './messages.js';

type ProtoMessage = hearsay.Message.$Properties;

/** A rule broken by a decoded message; thrown inside this module's callers' try blocks, never further. */
export class InvalidMessage extends Error {
  constructor(
    readonly kind: 'invalid-field' | 'too-many',
    message: string,
  ) {
    super(message);
  }
}

// Proto enum values, in hearsay.proto's NodeState order; 0 (unspecified) is deliberately absent.
const STATE_TO_PROTO: Readonly<Record<NodeState, number>> = { alive: 1, suspect: 2, dead: 3, left: 4 };
const PROTO_TO_STATE: readonly (NodeState | undefined)[] = [undefined, 'alive', 'suspect', 'dead', 'left'];

const EMPTY_BYTES = new Uint8Array(0);

export function pushNodeStateToProto(n: PushNodeState): hearsay.PushNodeState.$Properties {
  return {
    name: n.name,
    addr: n.addr,
    port: n.port,
    meta: n.meta,
    incarnation: n.incarnation,
    state: STATE_TO_PROTO[n.state],
    zone: n.zone,
    versions: n.versions,
  };
}

export function toProto(msg: WireMessage): ProtoMessage {
  switch (msg.type) {
    case 'ping':
      return {
        ping: {
          seqNo: msg.seqNo,
          node: msg.node,
          sourceAddr: msg.source?.addr,
          sourcePort: msg.source?.port,
          sourceNode: msg.source?.node,
        },
      };
    case 'ack':
      return { ack: { seqNo: msg.seqNo, payload: msg.payload } };
    case 'nack':
      return { nack: { seqNo: msg.seqNo } };
    case 'pingReq':
      return {
        pingReq: {
          seqNo: msg.seqNo,
          node: msg.node,
          targetAddr: msg.targetAddr,
          targetPort: msg.targetPort,
          nack: msg.nack,
          sourceAddr: msg.source?.addr,
          sourcePort: msg.source?.port,
          sourceNode: msg.source?.node,
        },
      };
    case 'suspect':
      return { suspect: { incarnation: msg.incarnation, node: msg.node, from: msg.from } };
    case 'alive':
      return {
        alive: {
          incarnation: msg.incarnation,
          node: msg.node,
          addr: msg.addr,
          port: msg.port,
          meta: msg.meta,
          zone: msg.zone,
          versions: msg.versions,
        },
      };
    case 'dead':
      return { dead: { incarnation: msg.incarnation, node: msg.node, from: msg.from } };
    case 'pushPull':
      return {
        pushPull: {
          nodeCount: msg.nodes.length,
          join: msg.join,
          nodes: msg.nodes.map(pushNodeStateToProto),
          userState: msg.userState,
        },
      };
    case 'userEvent':
      return {
        userEvent: { ltime: msg.ltime, name: msg.name, payload: msg.payload, coalesce: msg.coalesce },
      };
  }
}

/**
 * The validated form of one decoded message, or null for a message kind this version does not know
 * (a oneof case added by a newer minor version: skipped, so new gossip does not break old nodes).
 * Throws InvalidMessage when a rule is broken.
 */
export function fromProto(m: ProtoMessage, limits: WireLimits): WireMessage | null {
  switch (m.body) {
    case 'ping': {
      const p = present(m.ping, 'ping');
      return {
        type: 'ping',
        seqNo: p.seqNo ?? 0,
        node: name(p.node, 'ping.node', limits),
        ...source(p.sourceAddr, p.sourcePort, p.sourceNode, 'ping', limits),
      };
    }
    case 'ack': {
      const a = present(m.ack, 'ack');
      return { type: 'ack', seqNo: a.seqNo ?? 0, payload: bytes(a.payload) };
    }
    case 'nack':
      return { type: 'nack', seqNo: present(m.nack, 'nack').seqNo ?? 0 };
    case 'pingReq': {
      const r = present(m.pingReq, 'pingReq');
      return {
        type: 'pingReq',
        seqNo: r.seqNo ?? 0,
        node: name(r.node, 'pingReq.node', limits),
        targetAddr: name(r.targetAddr, 'pingReq.targetAddr', limits),
        targetPort: port(r.targetPort, 'pingReq.targetPort'),
        nack: r.nack ?? false,
        ...source(r.sourceAddr, r.sourcePort, r.sourceNode, 'pingReq', limits),
      };
    }
    case 'suspect': {
      const s = present(m.suspect, 'suspect');
      return {
        type: 'suspect',
        incarnation: s.incarnation ?? 0,
        node: name(s.node, 'suspect.node', limits),
        from: name(s.from, 'suspect.from', limits),
      };
    }
    case 'alive': {
      const a = present(m.alive, 'alive');
      return {
        type: 'alive',
        incarnation: a.incarnation ?? 0,
        node: name(a.node, 'alive.node', limits),
        addr: name(a.addr, 'alive.addr', limits),
        port: port(a.port, 'alive.port'),
        meta: meta(a.meta, 'alive.meta', limits),
        zone: zone(a.zone, 'alive.zone', limits),
        versions: versions(a.versions, 'alive.versions'),
      };
    }
    case 'dead': {
      const d = present(m.dead, 'dead');
      return {
        type: 'dead',
        incarnation: d.incarnation ?? 0,
        node: name(d.node, 'dead.node', limits),
        from: name(d.from, 'dead.from', limits),
      };
    }
    case 'pushPull':
      return pushPull(present(m.pushPull, 'pushPull'), limits);
    case 'userEvent': {
      const u = present(m.userEvent, 'userEvent');
      const ltime = safeUint64(u.ltime);
      if (ltime === null) throw new InvalidMessage('invalid-field', 'userEvent.ltime beyond 2^53');
      return {
        type: 'userEvent',
        ltime,
        name: name(u.name, 'userEvent.name', limits),
        payload: bytes(u.payload),
        coalesce: u.coalesce ?? false,
      };
    }
    case undefined:
      if (m.$unknowns !== undefined && m.$unknowns.length > 0) return null;
      throw new InvalidMessage('invalid-field', 'message without a body');
  }
}

function pushPull(p: hearsay.PushPull.$Properties, limits: WireLimits): PushPull {
  const protoNodes = p.nodes ?? [];
  if (protoNodes.length > limits.maxPushPullNodes) {
    throw new InvalidMessage('too-many', `pushPull has ${protoNodes.length} nodes`);
  }
  // The count repeats the header of memberlist's stream format; a mismatch means a damaged frame.
  if ((p.nodeCount ?? 0) !== protoNodes.length) {
    throw new InvalidMessage('invalid-field', `pushPull.nodeCount ${p.nodeCount} != ${protoNodes.length}`);
  }
  const nodes: PushNodeState[] = [];
  for (const n of protoNodes) {
    const state = PROTO_TO_STATE[n.state ?? 0];
    if (state === undefined) throw new InvalidMessage('invalid-field', `pushPull node state ${n.state}`);
    nodes.push({
      name: name(n.name, 'pushPull.nodes.name', limits),
      addr: name(n.addr, 'pushPull.nodes.addr', limits),
      port: port(n.port, 'pushPull.nodes.port'),
      meta: meta(n.meta, 'pushPull.nodes.meta', limits),
      incarnation: n.incarnation ?? 0,
      state,
      zone: zone(n.zone, 'pushPull.nodes.zone', limits),
      versions: versions(n.versions, 'pushPull.nodes.versions'),
    });
  }
  return { type: 'pushPull', join: p.join ?? false, nodes, userState: bytes(p.userState) };
}

function present<T>(v: T | null | undefined, what: string): T {
  if (v === null || v === undefined) throw new InvalidMessage('invalid-field', `${what} missing`);
  return v;
}

// C0 controls, DEL, and U+FFFD (what a lenient UTF-8 decoder substitutes) have no place in a name.
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
const INSANE_NAME = /[\u0000-\u001f\u007f\ufffd]/;

/** Whether `s` is a usable node, cluster, address or event name under `limits`. */
export function isSaneName(s: string, limits: WireLimits): boolean {
  return s.length > 0 && s.length <= limits.maxNameLength && !INSANE_NAME.test(s);
}

function name(s: string | null | undefined, what: string, limits: WireLimits): string {
  const v = s ?? '';
  if (!isSaneName(v, limits))
    throw new InvalidMessage('invalid-field', `${what} empty, too long or unprintable`);
  return internName(v);
}

/**
 * Canonical instances of the names seen on the wire. Every decode yields a fresh string for the same node
 * name or host; the member table then looks each one up in its Map and compares it with the stored
 * address, and with fresh strings each such comparison reads both strings' bytes. During a 1,000-node
 * join storm the stored strings are spread over a heap of millions of members, so those reads are cache
 * misses (the profile charged them to MemberTable.aliveNode: ~1 µs per stale alive against ~90 ns in a
 * hot microbenchmark). Handing out one instance per distinct name makes those comparisons pointer
 * compares and keeps the few thousand hot strings in cache. Bounded because names come from untrusted
 * packets: past the bound the table starts over, which only costs the sharing, never correctness.
 */
const interned = new Map<string, string>();
const MAX_INTERNED_NAMES = 16_384;

/** The canonical instance of `s` (equal to it, so callers cannot tell the difference but in speed). */
export function internName(s: string): string {
  const canonical = interned.get(s);
  if (canonical !== undefined) return canonical;
  if (interned.size >= MAX_INTERNED_NAMES) interned.clear();
  interned.set(s, s);
  return s;
}

function zone(s: string | null | undefined, what: string, limits: WireLimits): string {
  const v = s ?? '';
  return v === '' ? v : name(v, what, limits);
}

function port(p: number | null | undefined, what: string): number {
  const v = p ?? 0;
  if (v < 1 || v > 65535) throw new InvalidMessage('invalid-field', `${what} ${v} out of range`);
  return v;
}

/** The probe source is all-or-nothing: all three unset means "not forwarded". */
function source(
  addr: string | null | undefined,
  p: number | null | undefined,
  node: string | null | undefined,
  what: string,
  limits: WireLimits,
): { source?: ProbeSource } {
  if (!addr && !p && !node) return {};
  return {
    source: {
      addr: name(addr, `${what}.sourceAddr`, limits),
      port: port(p, `${what}.sourcePort`),
      node: name(node, `${what}.sourceNode`, limits),
    },
  };
}

/**
 * What an empty meta map decodes to. Shared (and frozen, so no holder can change it for the others): the
 * member tables keep each member's meta, and most members have none, so a fresh `{}` per decoded alive was
 * a million retained objects in a 1,000-node cluster, all of them traced by every full GC.
 */
const EMPTY_META: Meta = Object.freeze({});

function meta(m: { [k: string]: string } | null | undefined, what: string, limits: WireLimits): Meta {
  if (m === null || m === undefined) return EMPTY_META;
  const out: Record<string, string> = {};
  let entries = 0;
  let length = 0;
  for (const [k, v] of Object.entries(m)) {
    entries++;
    length += k.length + v.length;
    if (entries > limits.maxMetaEntries || length > limits.maxMetaLength) {
      throw new InvalidMessage(
        'too-many',
        `${what} over ${limits.maxMetaEntries} entries or ${limits.maxMetaLength} chars`,
      );
    }
    if (k.length === 0 || INSANE_NAME.test(k))
      throw new InvalidMessage('invalid-field', `${what} key unprintable`);
    out[k] = v;
  }
  return entries === 0 ? EMPTY_META : out;
}

function versions(v: hearsay.Versions.$Properties | null | undefined, what: string): Versions {
  const p = present(v, what);
  const out: Versions = {
    protocolMin: p.protocolMin ?? 0,
    protocolMax: p.protocolMax ?? 0,
    protocolCur: p.protocolCur ?? 0,
    delegateMin: p.delegateMin ?? 0,
    delegateMax: p.delegateMax ?? 0,
    delegateCur: p.delegateCur ?? 0,
  };
  if (
    !(out.protocolMin <= out.protocolCur && out.protocolCur <= out.protocolMax) ||
    !(out.delegateMin <= out.delegateCur && out.delegateCur <= out.delegateMax)
  ) {
    throw new InvalidMessage('invalid-field', `${what} not min <= cur <= max`);
  }
  return out;
}

/**
 * A uint64 field as a JS number, or null when it does not fit in 53 bits. protobufjs yields a Long object
 * (not a number, whatever --force-number says) whenever the `long` package is installed, so accept both.
 */
function safeUint64(v: unknown): number | null {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : null;
  if (typeof v === 'object' && 'low' in v && 'high' in v) {
    const { low, high } = v;
    if (typeof low !== 'number' || typeof high !== 'number') return null;
    const hi = high >>> 0;
    // 2^53 − 1 has 21 bits above the low 32.
    return hi < 0x200000 ? hi * 0x100000000 + (low >>> 0) : null;
  }
  return null;
}

/** A copy, so a decoded message never aliases the (possibly reused) receive buffer. */
function bytes(b: Uint8Array | null | undefined): Uint8Array {
  return b === null || b === undefined || b.length === 0 ? EMPTY_BYTES : new Uint8Array(b);
}
