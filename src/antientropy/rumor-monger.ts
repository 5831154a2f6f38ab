/**
 * Rumor mongering over datagrams (DESIGN.md §10): the protocol is RumorCore's (rumor-core.ts, Demers et al.'s
 * push with feedback and counter); this driver gives it timed rounds on the injected Scheduler (with jitter),
 * the datagram codec of rumor-codec.ts, and a `send`/`handlePacket` pair a caller wires to its transport, so
 * the same code runs over UDP and in the simulator (bench/rumor.ts, test/sim/antientropy). The store does not
 * use it: its rumors ride a stream service of their own (rumor-stream.ts).
 */

import type { PeriodicTask } from '../runtime/periodic-task.js';
import type { Random } from '../runtime/random.js';
import type { Scheduler } from '../runtime/scheduler.js';
import { decodeRumorMessage, encodeFeedback, encodePush } from './rumor-codec.js';
import { type RumorConfig, roundTask, rumorConfig } from './rumor-config.js';
import { RumorCore, type RumorStats, type RumorVerdict } from './rumor-core.js';

export { pickPeers, type RumorStats, type RumorVerdict } from './rumor-core.js';

/** Injected collaborators (libp2p-style `components`). */
export interface RumorMongerComponents {
  readonly scheduler: Scheduler;
  readonly random: Random;
  /** Sends one best-effort datagram (a push or a feedback) to `peer`. */
  readonly send: (peer: string, bytes: Uint8Array) => void;
  /** The peers rumors may be pushed to, read every round; this node's own address is skipped if listed. */
  readonly peers: () => readonly string[];
  /**
   * Applies a pushed update and says whether it was news: 'new' makes the rumor hot here and is answered
   * 'new'; 'known' (already applied, or dominated) is answered 'known'. Called at most once per push, and
   * not at all for ids this node remembers having seen.
   */
  readonly deliver: (id: string, payload: Uint8Array) => RumorVerdict;
  /** This node's address, never pushed to even if `peers()` lists it. */
  readonly self?: string;
}

/** Options: the four protocol parameters are required, the rest default as in `defaultRumorConfig()`. */
export type RumorMongerInit = Pick<RumorConfig, 'k' | 'intervalMs' | 'fanout' | 'maxHot'> &
  Partial<RumorConfig>;

export class RumorMonger {
  readonly config: RumorConfig;
  readonly #c: RumorMongerComponents;
  readonly #core: RumorCore;
  readonly #rounds: PeriodicTask;

  constructor(components: RumorMongerComponents, init: RumorMongerInit) {
    this.#c = components;
    this.config = rumorConfig(init);
    this.#rounds = roundTask(components.scheduler, this.config, () => this.round());
    this.#core = new RumorCore({
      ...this.config,
      ...(components.self === undefined ? {} : { self: components.self }),
    });
  }

  get running(): boolean {
    return this.#rounds.running;
  }

  /** Starts the rounds. Idempotent. */
  start(): void {
    this.#rounds.start();
  }

  /**
   * Stops the rounds: no more pushes. Hot rumors are kept (a later `start` resumes them), and datagrams the
   * caller still hands to `handlePacket` are answered, so peers' counters keep getting feedback. Idempotent.
   */
  stop(): void {
    this.#rounds.stop();
  }

  /**
   * Makes a locally originated update a hot rumor (RumorCore.spread). Throws RangeError for an id longer than
   * MAX_RUMOR_ID_BYTES; the push (PUSH_HEADER_BYTES + id + payload) must fit the transport's datagram limit.
   */
  spread(id: string, payload: Uint8Array): void {
    this.#core.spread(id, payload);
  }

  /** Feeds one datagram from `from` (the caller wires this to its transport). Never throws on bad input. */
  handlePacket(from: string, bytes: Uint8Array): void {
    const msg = decodeRumorMessage(bytes);
    if (msg === null) {
      this.#core.malformed();
      return;
    }
    if (msg.kind === 'feedback') {
      this.#core.feedback(from, msg.id, msg.verdict);
      return;
    }
    const verdict = this.#core.receive(msg.id, msg.payload, (id, payload) => this.#c.deliver(id, payload));
    this.#c.send(from, encodeFeedback(msg.id, verdict));
  }

  isHot(id: string): boolean {
    return this.#core.isHot(id);
  }

  /** Ids of the hot rumors, oldest first. */
  hotIds(): string[] {
    return this.#core.hotIds();
  }

  /** How many rumor ids this node remembers having seen (at most maxSeenIds). */
  get seenIds(): number {
    return this.#core.seenIds;
  }

  get stats(): RumorStats {
    return this.#core.stats;
  }

  /** One round: push every hot rumor to `fanout` random peers. Public so a driver or test can step it. */
  round(): void {
    // Nothing hot: no pushes, and the peer list is not even read.
    if (this.#core.hotCount === 0) return;
    // The round's bookkeeping is done before the first send, which may loop back synchronously (in tests).
    for (const push of this.#core.round(this.#c.peers(), this.#c.random)) {
      this.#c.send(push.peer, encodePush(push.id, push.payload));
    }
  }
}
