import { RumorMonger, type RumorVerdict } from '../antientropy/rumor-monger.js';
import type { NodeId } from '../membership/member.js';
import type { ReplicaCaller } from '../replica/replica-client.js';
import type { Random } from '../runtime/random.js';
import type { Scheduler } from '../runtime/scheduler.js';

export interface RumorChannelComponents {
  readonly caller: ReplicaCaller;
  readonly scheduler: Scheduler;
  readonly random: Random;
  /** Members rumors may be pushed to (up, not this node). */
  readonly peers: () => readonly NodeId[];
  /** Applies a pushed update; must answer synchronously whether it was news. */
  readonly deliver: (id: string, payload: Uint8Array) => RumorVerdict;
}

export interface RumorChannelInit {
  /** The request's namespace field, which names the channel on the receiving node. */
  readonly channel: string;
  readonly self: NodeId;
  readonly k: number;
  readonly intervalMs: number;
  readonly fanout: number;
  readonly maxHot: number;
  readonly timeoutMs: number;
}

/**
 * A RumorMonger (Demers et al.'s push with feedback and counter) carried by the replica RPC instead of
 * datagrams: the gossip port's datagrams belong to membership, and request/response gives each push its
 * feedback as the reply. Outgoing pushes are requests; an incoming push is served synchronously and the
 * feedback the monger "sends" back is captured as the response.
 */
export class RumorChannel {
  readonly monger: RumorMonger;
  readonly #c: RumorChannelComponents;
  readonly #init: RumorChannelInit;
  #capturing = false;
  #captured: Uint8Array | undefined;

  constructor(components: RumorChannelComponents, init: RumorChannelInit) {
    this.#c = components;
    this.#init = init;
    this.monger = new RumorMonger(
      {
        scheduler: components.scheduler,
        random: components.random,
        self: init.self,
        peers: components.peers,
        deliver: components.deliver,
        send: (peer, bytes) => this.#send(peer as NodeId, bytes),
      },
      { k: init.k, intervalMs: init.intervalMs, fanout: init.fanout, maxHot: init.maxHot },
    );
  }

  start(): void {
    this.monger.start();
  }

  stop(): void {
    this.monger.stop();
  }

  /** Serves one incoming push: the monger delivers it and its feedback is returned as the response. */
  serve(bytes: Uint8Array): Uint8Array {
    this.#capturing = true;
    this.#captured = undefined;
    try {
      this.monger.handlePacket('', bytes);
    } finally {
      this.#capturing = false;
    }
    return this.#captured ?? new Uint8Array(0);
  }

  #send(peer: NodeId, bytes: Uint8Array): void {
    if (this.#capturing) {
      this.#captured = bytes;
      return;
    }
    void this.#c.caller
      .call(
        peer,
        { op: 'rumor', ns: this.#init.channel, key: Uint8Array.of(0), partition: 0, bytes },
        this.#init.timeoutMs,
      )
      .then((res) => {
        if (res.kind === 'rumor-feedback' && res.bytes.length > 0) this.monger.handlePacket(peer, res.bytes);
      });
  }
}
