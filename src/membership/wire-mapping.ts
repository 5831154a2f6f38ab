/**
 * Between the member table's domain messages (member-events.ts) and the wire's messages (src/wire). The
 * table speaks `host:port` addresses and branded ids; the wire carries address and port apart, as
 * memberlist's messages do.
 */
import { formatAddress, parseAddress } from '../transport/transport.js';
import type { Alive, Dead, NodeState, PushNodeState, Suspect, Versions } from '../wire/index.js';
import { nodeId } from './member.js';
import type { AliveMessage, MembershipMessage, RemoteMemberState } from './member-events.js';

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

/** Splits "host:port"; the table only holds addresses that came through this module, so they parse. */
function split(addr: string): { host: string; port: number } {
  const p = parseAddress(addr);
  if (p === null) throw new RangeError(`not a host:port address: ${addr}`);
  return p;
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

export function fromWire(m: Alive | Suspect | Dead): MembershipMessage {
  switch (m.type) {
    case 'alive':
      return {
        type: 'alive',
        id: nodeId(m.node),
        incarnation: m.incarnation,
        addr: formatAddress(m.addr, m.port),
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
    addr: formatAddress(s.addr, s.port),
    zone: s.zone,
    meta: s.meta,
    incarnation: s.incarnation,
    state: s.state,
  };
}
