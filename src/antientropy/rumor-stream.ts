/**
 * Rumor mongering over the stream channel (DESIGN.md §10): the store's driver of RumorCore (rumor-core.ts).
 * The gossip port's datagrams belong to membership, and request/response gives each push its feedback as the
 * reply: a push is one request to the peer's rumor service (stream service 3, rumor-service.ts) and the
 * response is the verdict the core counts. An incoming push is served by the core directly (`serve`).
 */
import type { NodeId } from '../membership/member.js';
import type { PeriodicTask } from '../runtime/periodic-task.js';
import type { Random } from '../runtime/random.js';
import type { Scheduler } from '../runtime/scheduler.js';
import type { RumorCaller } from './rumor-client.js';
import { type RumorConfig, roundTask, rumorConfig } from './rumor-config.js';
import { RumorCore, type RumorStats, type RumorVerdict } from './rumor-core.js';
import type { RumorEndpoint } from './rumor-service.js';

export interface RumorStreamComponents {
  readonly caller: RumorCaller;
  readonly scheduler: Scheduler;
  readonly random: Random;
  /** Members rumors may be pushed to (up, not this node), read every round a rumor is hot. */
  readonly peers: () => readonly NodeId[];
  /** Applies a pushed update; must answer synchronously whether it was news (the feedback). */
  readonly deliver: (id: string, payload: Uint8Array) => RumorVerdict;
}

export type RumorStreamInit = Pick<RumorConfig, 'k' | 'intervalMs' | 'fanout' | 'maxHot'> &
  Partial<RumorConfig> & {
    /** The channel's name, which the pushes carry so the receiving node's service finds its channel. */
    readonly channel: string;
    readonly self: NodeId;
    /** How long a push waits for its feedback; a push unanswered by then is a lost contact. */
    readonly timeoutMs: number;
  };

export class RumorStream implements RumorEndpoint {
  readonly channel: string;
  readonly config: RumorConfig;
  readonly core: RumorCore;
  readonly #c: RumorStreamComponents;
  readonly #timeoutMs: number;
  readonly #rounds: PeriodicTask;

  constructor(components: RumorStreamComponents, init: RumorStreamInit) {
    this.#c = components;
    this.channel = init.channel;
    this.#timeoutMs = init.timeoutMs;
    const { channel: _channel, self, timeoutMs: _timeoutMs, ...config } = init;
    this.config = rumorConfig(config);
    this.#rounds = roundTask(components.scheduler, this.config, () => this.round());
    this.core = new RumorCore({ ...this.config, self });
  }

  get running(): boolean {
    return this.#rounds.running;
  }

  /** Starts the rounds. Idempotent. */
  start(): void {
    this.#rounds.start();
  }

  /** Stops the rounds; hot rumors are kept, pushes from peers are still served. Idempotent. */
  stop(): void {
    this.#rounds.stop();
  }

  /** Makes a locally originated update a hot rumor (RumorCore.spread); the push must fit one stream frame. */
  spread(id: string, payload: Uint8Array): void {
    this.core.spread(id, payload);
  }

  /** One push from a peer, through the rumor service: the verdict is the response. */
  serve(id: string, payload: Uint8Array): RumorVerdict {
    return this.core.receive(id, payload, (i, p) => this.#c.deliver(i, p));
  }

  get stats(): RumorStats {
    return this.core.stats;
  }

  /** One round: every hot rumor to `fanout` random peers, each answer fed back as it comes. */
  round(): void {
    if (this.core.hotCount === 0) return;
    for (const { peer, id, payload } of this.core.round(this.#c.peers(), this.#c.random)) {
      void this.#c.caller
        .push(peer as NodeId, { channel: this.channel, id, payload }, this.#timeoutMs)
        .then((res) => {
          if (res.kind === 'verdict') this.core.feedback(peer, id, res.verdict);
          // Either side could not read the other (a bad push, an unknown channel, a garbled answer).
          else if (res.failure === 'bad_request') this.core.malformed();
          // unavailable: a lost contact, like a datagram lost; its awaited answer ages out.
        });
    }
  }
}
