/**
 * Between the member table's domain messages (member-events.ts) and the wire's messages (src/wire). The
 * table speaks `host:port` addresses and branded ids; the wire carries address and port apart, as
 * memberlist's messages do.
 */
import { formatAddress, parseAddress } from '../transport/transport.js';
import {
  type Alive,
  type Dead,
  type EncodedMessage,
  encodeMessage,
  encodePushNodeState,
  type NodeState,
  type PushNodeState,
  type Suspect,
  type Versions,
} from '../wire/index.js';
import { nodeId } from './member.js';
import type { AliveMessage, Member, MembershipMessage, RemoteMemberState } from './member-events.js';

export function wireVersions(protocolVersion: number): Versions {
  return {
    protocolMin: 1,
    protocolMax: protocolVersion,
    protocolCur: protocolVersion,
    delegateMin: 0,
    delegateMax: 0,
    delegateCur: 0,
  };
}

/**
 * Parsed addresses. Every alive the membership re-gossips (each node re-broadcasts every member it learns)
 * and every member of every push/pull is split again; the table holds one address per member, so parsing
 * each once saves the regular-expression work on the hot path. Bounded like `addresses` below.
 */
const parsed = new Map<string, { readonly host: string; readonly port: number }>();
const MAX_PARSED_ADDRESSES = 16_384;

/** Splits "host:port"; the table only holds addresses that came through this module, so they parse. */
function split(addr: string): { readonly host: string; readonly port: number } {
  const cached = parsed.get(addr);
  if (cached !== undefined) return cached;
  const p = parseAddress(addr);
  if (p === null) throw new RangeError(`not a host:port address: ${addr}`);
  if (parsed.size >= MAX_PARSED_ADDRESSES) parsed.clear();
  const entry = { host: p.host, port: p.port };
  parsed.set(addr, entry);
  return entry;
}

/**
 * Canonical "host:port" strings, host → port → address. formatAddress builds a new string for every
 * decoded alive, and the member table compares it with the member's stored address on every alive it
 * gets (most of them stale rumors in a join storm): with one instance per address that comparison is a
 * pointer compare instead of a read of two strings scattered over the heap. The wire layer already hands
 * out one instance per host name, so the lookup hashes a string whose hash is cached. Bounded like the
 * wire's name table, as the hosts come from untrusted packets.
 */
const addresses = new Map<string, Map<number, string>>();
const MAX_CACHED_HOSTS = 16_384;

function addressOf(host: string, port: number): string {
  let byPort = addresses.get(host);
  if (byPort === undefined) {
    if (addresses.size >= MAX_CACHED_HOSTS) addresses.clear();
    byPort = new Map();
    addresses.set(host, byPort);
  }
  let addr = byPort.get(port);
  if (addr === undefined) {
    // A host seen at many ports (one per process on a test box) keeps only its latest few.
    if (byPort.size >= 64) byPort.clear();
    addr = formatAddress(host, port);
    byPort.set(port, addr);
  }
  return addr;
}

export function toWire(m: MembershipMessage, versions: Versions): Alive | Suspect | Dead {
  switch (m.type) {
    case 'alive': {
      const { host, port } = split(m.addr);
      return {
        type: 'alive',
        incarnation: m.incarnation,
        node: m.id,
        addr: host,
        port,
        meta: m.meta,
        zone: m.zone,
        versions,
      };
    }
    case 'suspect':
      return { type: 'suspect', incarnation: m.incarnation, node: m.id, from: m.from };
    case 'dead':
      return { type: 'dead', incarnation: m.incarnation, node: m.id, from: m.from };
  }
}

/**
 * Encodings of interned member records (member-records.ts), made once per record and protocol version:
 * the alive a node queues for every member it learns, and the node state it sends in every push/pull.
 * In the simulator's 10,000-node join storm both were 10⁸ encodings of identical bytes, and the queued
 * alives as many retained buffers.
 */
interface RecordEncodings {
  readonly versions: Versions;
  alive?: EncodedMessage;
  pushNodeState?: Uint8Array;
}

const encodings = new WeakMap<Member, RecordEncodings>();

function sameVersions(a: Versions, b: Versions): boolean {
  return (
    a === b ||
    (a.protocolMin === b.protocolMin &&
      a.protocolMax === b.protocolMax &&
      a.protocolCur === b.protocolCur &&
      a.delegateMin === b.delegateMin &&
      a.delegateMax === b.delegateMax &&
      a.delegateCur === b.delegateCur)
  );
}

function encodingsOf(member: Member, versions: Versions): RecordEncodings {
  let e = encodings.get(member);
  if (e === undefined || !sameVersions(e.versions, versions)) {
    e = { versions };
    encodings.set(member, e);
  }
  return e;
}

/** The encoded alive announcing `member`. */
export function encodedAlive(member: Member, versions: Versions): EncodedMessage {
  const e = encodingsOf(member, versions);
  if (e.alive === undefined) {
    const { id, incarnation, addr, zone, meta } = member;
    e.alive = encodeMessage(toWire({ type: 'alive', id, incarnation, addr, zone, meta }, versions));
  }
  return e.alive;
}

/** The encoded push/pull node state of `member` (see encodePushPullMessage). */
export function encodedPushNodeState(member: Member, versions: Versions): Uint8Array {
  const e = encodingsOf(member, versions);
  e.pushNodeState ??= encodePushNodeState(toPushNodeState(member, versions));
  return e.pushNodeState;
}

export function fromWire(m: Alive | Suspect | Dead): MembershipMessage {
  switch (m.type) {
    case 'alive':
      return {
        type: 'alive',
        id: nodeId(m.node),
        incarnation: m.incarnation,
        addr: addressOf(m.addr, m.port),
        zone: m.zone,
        meta: m.meta,
      } satisfies AliveMessage;
    case 'suspect':
      return { type: 'suspect', id: nodeId(m.node), incarnation: m.incarnation, from: nodeId(m.from) };
    case 'dead':
      return { type: 'dead', id: nodeId(m.node), incarnation: m.incarnation, from: nodeId(m.from) };
  }
}

export function toPushNodeState(s: RemoteMemberState, versions: Versions): PushNodeState {
  const { host, port } = split(s.addr);
  return {
    name: s.id,
    addr: host,
    port,
    meta: s.meta,
    incarnation: s.incarnation,
    state: s.state as NodeState,
    zone: s.zone,
    versions,
  };
}

export function fromPushNodeState(s: PushNodeState): RemoteMemberState {
  return {
    id: nodeId(s.name),
    addr: addressOf(s.addr, s.port),
    zone: s.zone,
    meta: s.meta,
    incarnation: s.incarnation,
    state: s.state,
  };
}
