/**
 * The membership packet path (memberlist `net.go`): every datagram we send carries its messages plus as many
 * queued rumors as fit (piggybacking), sealed with the keyring and label; every datagram we receive is
 * opened, decoded and dispatched by message type. Stream frames (push/pull) are sealed and opened here too,
 * so encryption and the cluster check live in one place. Failures are dropped and counted, never thrown.
 */

import type { Address, Transport } from '../transport/transport.js';
import {
  type Ack,
  type Alive,
  assemblePacket,
  type Dead,
  DecodeStats,
  decodePacket,
  type EncodedMessage,
  encodeHeader,
  encodeMessage,
  framedSizeBytes,
  type Nack,
  type OpenOptions,
  openPacket,
  type Ping,
  type PingReq,
  SealStats,
  type Suspect,
  sealOverheadBytes,
  sealPacket,
  type UserEvent,
  type Versions,
  type WireMessage,
} from '../wire/index.js';
import type { BroadcastQueue } from './broadcast-queue.js';
import type { Member, MembershipMessage } from './member-events.js';
import type { MembershipMetrics } from './membership-metrics.js';
import { encodedAlive, toWire } from './wire-mapping.js';

/** Bytes a piggybacked message costs beyond its own: the field tag and a length varint (≤ 16 KiB). */
const PER_MESSAGE_OVERHEAD_BYTES = 3;

/** Where each kind of datagram message goes. push/pull is not here: it travels only over streams. */
export interface MessageHandlers {
  readonly ping: (from: Address, m: Ping) => void;
  readonly ack: (from: Address, m: Ack) => void;
  readonly nack: (from: Address, m: Nack) => void;
  readonly pingReq: (from: Address, m: PingReq) => void;
  /** alive, suspect and dead: news for the member table. */
  readonly member: (from: Address, m: Alive | Suspect | Dead) => void;
  readonly userEvent: (from: Address, m: UserEvent) => void;
}

export interface PacketIOComponents {
  readonly transport: Transport;
  readonly metrics: MembershipMetrics;
  /** The rumors that fill each datagram's spare room. */
  readonly queue: BroadcastQueue;
}

export interface PacketIOInit {
  readonly name: string;
  readonly cluster: string;
  readonly versions: Versions;
  /** Keyring, label and whether plaintext is refused; `stats` is replaced by this instance's own. */
  readonly seal: Omit<OpenOptions, 'stats'>;
  /** memberlist `UDPBufferSize`; the transport's own limit wins when smaller. */
  readonly udpBufferSizeBytes: number;
  /** Queue depth beyond which the oldest, most transmitted rumors are pruned. */
  readonly broadcastQueueMaxDepth: number;
}

/** A decoded stream frame's messages, or why it was refused. */
export type FrameResult =
  | { readonly ok: true; readonly messages: readonly WireMessage[] }
  | { readonly ok: false; readonly reason: string };

export class PacketIO {
  readonly decodeStats = new DecodeStats();
  readonly sealStats = new SealStats();
  readonly versions: Versions;
  private readonly c: PacketIOComponents;
  private readonly cluster: string;
  private readonly headerBytes: Uint8Array;
  private readonly seal: OpenOptions;
  private readonly mtuBytes: number;
  private readonly maxQueueDepth: number;

  constructor(components: PacketIOComponents, init: PacketIOInit) {
    this.c = components;
    this.cluster = init.cluster;
    this.versions = init.versions;
    this.headerBytes = encodeHeader({ cluster: init.cluster, sender: init.name });
    this.seal = { ...init.seal, stats: this.sealStats };
    this.mtuBytes =
      Math.min(init.udpBufferSizeBytes, components.transport.maxPacketBytes) - sealOverheadBytes(this.seal);
    this.maxQueueDepth = init.broadcastQueueMaxDepth;
  }

  /** Sends `msg` (and `extra`) to `to`, filling the datagram's spare room with queued rumors (piggyback). */
  send(to: Address, msg: WireMessage, extra: readonly WireMessage[] = []): void {
    const encoded = [msg, ...extra].map(encodeMessage);
    let used = this.headerBytes.length;
    for (const e of encoded) used += framedSizeBytes(e.length);
    const room = this.mtuBytes - used;
    const rumors =
      room > PER_MESSAGE_OVERHEAD_BYTES
        ? (this.c.queue.getBroadcasts(PER_MESSAGE_OVERHEAD_BYTES, room) as EncodedMessage[])
        : [];
    if (rumors.length > 0) this.c.metrics.gossipSent(rumors.length);
    this.sendRaw(to, assemblePacket(this.headerBytes, [...encoded, ...rumors]));
  }

  /** A datagram of queued rumors only (a gossip round); false when the queue had nothing to send. */
  sendRumors(to: Address): boolean {
    const rumors = this.c.queue.getBroadcasts(
      PER_MESSAGE_OVERHEAD_BYTES,
      this.mtuBytes - this.headerBytes.length,
    ) as EncodedMessage[];
    if (rumors.length === 0) return false;
    this.c.metrics.gossipSent(rumors.length);
    this.sendRaw(to, assemblePacket(this.headerBytes, rumors));
    return true;
  }

  /**
   * Queues a rumor about a member (replacing an older one about the same member). `member` is the record an
   * alive announces, whose encoding is cached; `finished` runs when the queue lets go of the rumor.
   */
  broadcast(message: MembershipMessage, finished?: () => void, member?: Member): void {
    const { queue } = this.c;
    queue.enqueue({
      key: message.id,
      bytes:
        member === undefined
          ? encodeMessage(toWire(message, this.versions))
          : encodedAlive(member, this.versions),
      ...(finished === undefined ? {} : { finished }),
    });
    if (queue.numQueued() > this.maxQueueDepth) queue.prune(this.maxQueueDepth);
  }

  /** Queues a user event: never invalidated by another, de-duplicated by the receivers' Lamport log. */
  broadcastUserEvent(ev: UserEvent): void {
    this.c.queue.enqueue({ bytes: encodeMessage(ev) });
  }

  /** Rumors waiting to be sent. */
  queued(): number {
    return this.c.queue.numQueued();
  }

  /** Opens, decodes and dispatches one datagram; anything malformed is dropped and counted. */
  receive(from: Address, bytes: Uint8Array, handlers: MessageHandlers): void {
    this.c.metrics.packetIn(bytes.length);
    const opened = this.open(bytes);
    if (opened === null) return;
    const d = decodePacket(opened, {
      cluster: this.cluster,
      maxBytes: this.c.transport.maxPacketBytes,
      stats: this.decodeStats,
    });
    if (!d.ok) {
      this.c.metrics.packetDropped(d.error.kind);
      return;
    }
    for (const m of d.envelope.messages) {
      switch (m.type) {
        case 'ping':
          handlers.ping(from, m);
          break;
        case 'ack':
          handlers.ack(from, m);
          break;
        case 'nack':
          handlers.nack(from, m);
          break;
        case 'pingReq':
          handlers.pingReq(from, m);
          break;
        case 'alive':
        case 'suspect':
        case 'dead':
          handlers.member(from, m);
          break;
        case 'userEvent':
          handlers.userEvent(from, m);
          break;
        case 'pushPull':
          // Full state travels only over the stream channel; a datagram claiming to be one is noise.
          this.c.metrics.packetDropped('unexpected-push-pull');
          break;
      }
    }
  }

  /** One sealed stream frame holding `messages` under our header. */
  sealFrame(messages: readonly EncodedMessage[]): Uint8Array {
    return sealPacket(assemblePacket(this.headerBytes, messages), this.seal);
  }

  /** Opens (label, decryption) and decodes a stream frame. */
  openFrame(sealed: Uint8Array): FrameResult {
    const bytes = this.open(sealed);
    if (bytes === null) return { ok: false, reason: 'bad label or encryption' };
    const d = decodePacket(bytes, {
      cluster: this.cluster,
      maxBytes: this.c.transport.maxFrameBytes,
      stats: this.decodeStats,
    });
    if (!d.ok) return { ok: false, reason: `${d.error.kind}: ${d.error.detail}` };
    return { ok: true, messages: d.envelope.messages };
  }

  private sendRaw(to: Address, plain: Uint8Array): void {
    const packet = sealPacket(plain, this.seal);
    const r = this.c.transport.sendPacket(to, packet);
    if (r.ok) this.c.metrics.packetOut(packet.length);
    else this.c.metrics.packetDropped(`send-${r.error}`);
  }

  /** Label check and decryption (memberlist label.go, security.go); failures are dropped and counted. */
  private open(bytes: Uint8Array): Uint8Array | null {
    const r = openPacket(bytes, this.seal);
    if (r.ok) return r.plain;
    this.c.metrics.packetDropped(r.error);
    return null;
  }
}
