import type { Address, Transport } from './transport/transport.js';
import { DecodeStats, decodePacket, encodePacket, type WireMessage } from './wire/index.js';

/**
 * The composition root (DESIGN.md §1): the only module that knows which concrete classes make a node.
 *
 * Today a node is the foundation only: it answers wire-level pings on its gossip port (the SWIM probe's
 * ack path) and counts every packet it cannot decode. Membership (#4) and the store (#5) plug in here.
 */
export interface NodeOptions {
  readonly name: string;
  readonly cluster: string;
}

export interface HearsayNode {
  readonly name: string;
  readonly address: Address;
  readonly decodeStats: DecodeStats;
  /** Pings answered so far. */
  readonly pingsAnswered: () => number;
  close(): Promise<void>;
}

export function startNode(transport: Transport, opts: NodeOptions): HearsayNode {
  const decodeStats = new DecodeStats();
  let answered = 0;
  const header = { cluster: opts.cluster, sender: opts.name };
  transport.onPacket((from, bytes) => {
    const decoded = decodePacket(bytes, {
      cluster: opts.cluster,
      maxBytes: transport.maxPacketBytes,
      stats: decodeStats,
    });
    if (!decoded.ok) return;
    const replies: WireMessage[] = [];
    for (const m of decoded.envelope.messages) {
      // memberlist answers a ping only when it names us: a node that took over a dead node's address must
      // not vouch for it.
      if (m.type === 'ping' && m.node === opts.name) {
        replies.push({ type: 'ack', seqNo: m.seqNo, payload: new Uint8Array(0) });
      }
    }
    if (replies.length > 0) {
      answered += replies.length;
      transport.sendPacket(from, encodePacket(header, replies));
    }
  });
  transport.onRequest(() => {
    throw new Error('this node serves no requests yet: membership push/pull arrives with #4');
  });
  return {
    name: opts.name,
    address: transport.localAddress,
    decodeStats,
    pingsAnswered: () => answered,
    close: () => transport.close(),
  };
}
