/**
 * The message types protocol code sees (DESIGN.md §4). hearsay.proto is the one source of their shapes;
 * these are its decoded, validated form: a discriminated union on `type`, readonly, with proto3 "unset"
 * defaults turned into absent optionals where absence means something. test/unit/wire/schema.test.ts
 * checks that the field sets here and in the .proto agree.
 */

/**
 * Major wire protocol version. Receivers drop envelopes of any other version (`unsupported-version`);
 * compatible additions (new fields, new message kinds) keep the number and are skipped by older nodes.
 */
export const PROTOCOL_VERSION = 1;

/** Where a forwarded probe came from, so the target can answer the original prober (memberlist net.go). */
export interface ProbeSource {
  readonly addr: string;
  readonly port: number;
  readonly node: string;
}

/** Protocol and delegate version ranges a node speaks (memberlist's Vsn: pmin, pmax, pcur, dmin, dmax, dcur). */
export interface Versions {
  readonly protocolMin: number;
  readonly protocolMax: number;
  readonly protocolCur: number;
  readonly delegateMin: number;
  readonly delegateMax: number;
  readonly delegateCur: number;
}

/** Small string map gossiped with a member (memberlist caps meta at 512 bytes; see WireLimits). */
export type Meta = Readonly<Record<string, string>>;

export type NodeState = 'alive' | 'suspect' | 'dead' | 'left';

export interface Ping {
  readonly type: 'ping';
  readonly seqNo: number;
  /** The intended target's name: a node that took over a dead node's address must not answer for it. */
  readonly node: string;
  readonly source?: ProbeSource;
}

export interface Ack {
  readonly type: 'ack';
  readonly seqNo: number;
  readonly payload: Uint8Array;
}

export interface Nack {
  readonly type: 'nack';
  readonly seqNo: number;
}

export interface PingReq {
  readonly type: 'pingReq';
  readonly seqNo: number;
  readonly node: string;
  readonly targetAddr: string;
  readonly targetPort: number;
  /** The requester wants a nack if the target does not answer (Lifeguard §4.3). */
  readonly nack: boolean;
  readonly source?: ProbeSource;
}

export interface Suspect {
  readonly type: 'suspect';
  readonly incarnation: number;
  readonly node: string;
  readonly from: string;
}

export interface Alive {
  readonly type: 'alive';
  readonly incarnation: number;
  readonly node: string;
  readonly addr: string;
  readonly port: number;
  readonly meta: Meta;
  /** '' when the node has no zone. */
  readonly zone: string;
  readonly versions: Versions;
}

export interface Dead {
  readonly type: 'dead';
  readonly incarnation: number;
  readonly node: string;
  /** Equal to `node` when the node left gracefully (memberlist's convention). */
  readonly from: string;
}

export interface PushNodeState {
  readonly name: string;
  readonly addr: string;
  readonly port: number;
  readonly meta: Meta;
  readonly incarnation: number;
  readonly state: NodeState;
  readonly zone: string;
  readonly versions: Versions;
}

/** Full state exchange; the encoded form also carries `nodes.length` as a check (see hearsay.proto). */
export interface PushPull {
  readonly type: 'pushPull';
  readonly join: boolean;
  readonly nodes: readonly PushNodeState[];
  readonly userState: Uint8Array;
}

export interface UserEvent {
  readonly type: 'userEvent';
  /** Lamport time; a safe integer (≤ 2^53 − 1) so it survives the trip through a JS number. */
  readonly ltime: number;
  readonly name: string;
  readonly payload: Uint8Array;
  readonly coalesce: boolean;
}

export type WireMessage = Ping | Ack | Nack | PingReq | Suspect | Alive | Dead | PushPull | UserEvent;
export type MessageType = WireMessage['type'];

/** Every message type, in .proto oneof order. */
export const MESSAGE_TYPES: readonly MessageType[] = [
  'ping',
  'ack',
  'nack',
  'pingReq',
  'suspect',
  'alive',
  'dead',
  'pushPull',
  'userEvent',
];

/** What every packet says about itself. `version` defaults to PROTOCOL_VERSION when encoding. */
export interface PacketHeader {
  readonly version?: number;
  readonly cluster: string;
  readonly sender: string;
}

/** A decoded, validated packet. */
export interface Envelope {
  readonly version: number;
  readonly cluster: string;
  readonly sender: string;
  readonly messages: readonly WireMessage[];
}
