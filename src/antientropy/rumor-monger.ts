/**
 * Data rumor mongering (DESIGN.md §10): recent updates are pushed to random peers until the pusher loses
 * interest. Demers et al., "Epidemic algorithms for replicated database maintenance" (PODC 1987), §1.4, in
 * the (push, feedback, counter) variant:
 *
 *  - A locally originated update (`spread`) or one received for the first time becomes a hot rumor.
 *  - Every round (`intervalMs`) each hot rumor is pushed to `fanout` peers chosen uniformly at random.
 *  - The receiver hands the payload to the application (`deliver`, e.g. a DVV merge), which says whether it
 *    was new; the receiver answers the pusher with that verdict (feedback) and, if new, makes it hot too.
 *  - Each "known" answer is an unnecessary contact; after `k` of them the pusher loses interest and the
 *    rumor leaves its hot set.
 *
 * Rumor mongering runs to quiescence and misses a residue of about e^{−(k+1)(1−s)} of the nodes (see
 * rumor-config.ts); anti-entropy repairs those. The core knows nothing of transports or time: it sends
 * through `send`, learns peers from `peers()`, is driven by the injected Scheduler and Random, and is fed
 * datagrams through `handlePacket`, so the same code runs over UDP and in the simulator.
 */
import { LRUCache } from 'lru-cache';
import type { Random } from '../runtime/random.js';
import type { Cancel, Scheduler } from '../runtime/scheduler.js';
import {
  decodeRumorMessage,
  encodeFeedback,
  encodePush,
  encodeRumorId,
  type RumorVerdict,
} from './rumor-codec.js';
import { type RumorConfig, rumorConfig } from './rumor-config.js';

export type { RumorVerdict } from './rumor-codec.js';

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

export interface RumorStats {
  /** Push datagrams sent. */
  readonly pushesSent: number;
  /** Well-formed pushes received (each is answered with one feedback). */
  readonly pushesReceived: number;
  /** "new" answers to this node's pushes. */
  readonly feedbackNew: number;
  /** "known" answers to this node's pushes: the unnecessary contacts the counter counts. */
  readonly feedbackKnown: number;
  /** Feedback that answered no push awaiting an answer (duplicated, late, forged, or for a retired rumor). */
  readonly feedbackIgnored: number;
  /** Rumors currently hot. */
  readonly rumorsHot: number;
  /** Rumors retired by the counter (k "known" answers). */
  readonly rumorsRetired: number;
  /** Hot rumors dropped because maxHot was reached (oldest first). */
  readonly rumorsEvicted: number;
  /** Datagrams that were not a well-formed push or feedback, dropped. */
  readonly malformedPackets: number;
}

interface HotRumor {
  readonly id: string;
  /** The push datagram, encoded once when the rumor became hot. */
  readonly pushBytes: Uint8Array;
  /** "known" answers so far (Demers' counter). */
  unnecessary: number;
  /**
   * Peers pushed to whose answer is still due, with how many answers each owes. Only these answers count, so
   * a duplicated or forged feedback cannot retire a rumor early. Bounded (see AWAITING_ROUNDS); an answer
   * lost on the network leaves an entry that ages out.
   */
  readonly awaiting: Map<string, number>;
}

/**
 * Rounds of pushes whose answers are still accepted: an answer later than this many intervals is ignored.
 * Answers normally take one round trip, far below one interval; the margin covers a slow link without
 * letting the awaiting map grow past AWAITING_ROUNDS × fanout peers when answers are lost.
 */
const AWAITING_ROUNDS = 4;

export class RumorMonger {
  readonly config: RumorConfig;
  private readonly components: RumorMongerComponents;
  /** Insertion order is age: the first entry is the oldest, dropped first beyond maxHot. */
  private readonly hot = new Map<string, HotRumor>();
  /**
   * The ids seen recently, at most maxSeenIds, the least recently pushed or spread forgotten first (`has`
   * does not refresh an id, `set` does). Bounded by count through `maxSize` with every id of size 1 rather
   * than by `max`: lru-cache preallocates `max` slots (about 1.4 MiB for the default 65,536), which a
   * simulator running hundreds of nodes in one process would pay per node before any rumor; this way the
   * cache grows with the ids actually seen. No TTL, so lru-cache never reads a clock.
   */
  private readonly seen: LRUCache<string, true>;
  private cancelRounds: Cancel | null = null;
  private counts = {
    pushesSent: 0,
    pushesReceived: 0,
    feedbackNew: 0,
    feedbackKnown: 0,
    feedbackIgnored: 0,
    rumorsRetired: 0,
    rumorsEvicted: 0,
    malformedPackets: 0,
  };

  constructor(components: RumorMongerComponents, init: RumorMongerInit) {
    this.components = components;
    this.config = rumorConfig(init);
    this.seen = new LRUCache<string, true>({ maxSize: this.config.maxSeenIds, sizeCalculation: () => 1 });
  }

  get running(): boolean {
    return this.cancelRounds !== null;
  }

  /** Starts the rounds. Idempotent. */
  start(): void {
    if (this.cancelRounds !== null) return;
    const { intervalMs, jitterMs } = this.config;
    this.cancelRounds = this.components.scheduler.every(intervalMs, () => this.round(), jitterMs);
  }

  /**
   * Stops the rounds: no more pushes. Hot rumors are kept (a later `start` resumes them), and datagrams the
   * caller still hands to `handlePacket` are answered, so peers' counters keep getting feedback. Idempotent.
   */
  stop(): void {
    this.cancelRounds?.();
    this.cancelRounds = null;
  }

  /**
   * Makes a locally originated update a hot rumor, pushed from the next round on. `id` names this update
   * (e.g. key and dot), not the key: two updates of one key are two rumors. Spreading an id again restarts
   * it with a fresh counter. Throws RangeError for an id longer than MAX_RUMOR_ID_BYTES (rumor-codec.ts);
   * the push (PUSH_HEADER_BYTES + id + payload) must fit the transport's datagram limit.
   */
  spread(id: string, payload: Uint8Array): void {
    encodeRumorId(id);
    this.seen.set(id, true);
    this.makeHot(id, payload);
  }

  /** Feeds one datagram from `from` (the caller wires this to its transport). Never throws on bad input. */
  handlePacket(from: string, bytes: Uint8Array): void {
    const msg = decodeRumorMessage(bytes);
    if (msg === null) {
      this.counts.malformedPackets++;
      return;
    }
    if (msg.kind === 'push') this.onPush(from, msg.id, msg.payload);
    else this.onFeedback(from, msg.id, msg.verdict);
  }

  isHot(id: string): boolean {
    return this.hot.has(id);
  }

  /** Ids of the hot rumors, oldest first. */
  hotIds(): string[] {
    return [...this.hot.keys()];
  }

  /** How many rumor ids this node remembers having seen (at most maxSeenIds). */
  get seenIds(): number {
    return this.seen.size;
  }

  get stats(): RumorStats {
    return { ...this.counts, rumorsHot: this.hot.size };
  }

  /** One round: push every hot rumor to `fanout` random peers. Public so a driver or test can step it. */
  round(): void {
    if (this.hot.size === 0) return;
    const peers = this.components.peers();
    // A snapshot: `send` may loop back synchronously (in tests) and change the hot set mid-round.
    for (const rumor of [...this.hot.values()]) {
      const targets = pickPeers(this.components.random, peers, this.components.self, this.config.fanout);
      for (const peer of targets) {
        this.expectAnswer(rumor, peer);
        this.counts.pushesSent++;
        this.components.send(peer, rumor.pushBytes);
      }
    }
  }

  private onPush(from: string, id: string, payload: Uint8Array): void {
    this.counts.pushesReceived++;
    let verdict: RumorVerdict;
    if (this.seen.has(id)) {
      this.seen.set(id, true);
      verdict = 'known';
    } else {
      verdict = this.components.deliver(id, payload);
      this.seen.set(id, true);
      // Copy: the payload is a view of the transport's datagram buffer, which the hot rumor outlives.
      if (verdict === 'new') this.makeHot(id, payload.slice());
    }
    this.components.send(from, encodeFeedback(id, verdict));
  }

  private onFeedback(from: string, id: string, verdict: RumorVerdict): void {
    const rumor = this.hot.get(id);
    if (rumor === undefined || !this.takeAnswer(rumor, from)) {
      this.counts.feedbackIgnored++;
      return;
    }
    if (verdict === 'new') {
      this.counts.feedbackNew++;
      return;
    }
    this.counts.feedbackKnown++;
    rumor.unnecessary++;
    if (rumor.unnecessary >= this.config.k) {
      this.hot.delete(id);
      this.counts.rumorsRetired++;
    }
  }

  private makeHot(id: string, payload: Uint8Array): void {
    this.hot.delete(id);
    this.hot.set(id, { id, pushBytes: encodePush(id, payload), unnecessary: 0, awaiting: new Map() });
    while (this.hot.size > this.config.maxHot) {
      const oldest = this.hot.keys().next();
      if (oldest.done === true) break;
      this.hot.delete(oldest.value);
      this.counts.rumorsEvicted++;
    }
  }

  private expectAnswer(rumor: HotRumor, peer: string): void {
    const awaiting = rumor.awaiting;
    const owed = awaiting.get(peer) ?? 0;
    // Re-inserting moves the peer to the newest end, so the oldest unanswered push ages out first.
    awaiting.delete(peer);
    awaiting.set(peer, owed + 1);
    const limit = AWAITING_ROUNDS * this.config.fanout;
    while (awaiting.size > limit) {
      const oldest = awaiting.keys().next();
      if (oldest.done === true) break;
      awaiting.delete(oldest.value);
    }
  }

  /** Consumes one owed answer from `peer`; false when `peer` owes none. */
  private takeAnswer(rumor: HotRumor, peer: string): boolean {
    const owed = rumor.awaiting.get(peer);
    if (owed === undefined) return false;
    if (owed <= 1) rumor.awaiting.delete(peer);
    else rumor.awaiting.set(peer, owed - 1);
    return true;
  }
}

/**
 * `fanout` distinct peers other than `self`, uniformly at random (fewer if there are not that many).
 * For a small fanout among many peers it draws indexes with rejection, O(fanout) instead of copying the list.
 */
export function pickPeers(
  random: Random,
  peers: readonly string[],
  self: string | undefined,
  fanout: number,
): string[] {
  const n = peers.length;
  if (n === 0 || fanout <= 0) return [];
  if (fanout * 4 <= n) {
    const chosen = new Set<number>();
    const out: string[] = [];
    // Each draw hits an excluded index (self or already chosen) with probability ≤ (fanout + 1)/n ≤ ~1/4, so
    // the expected draws are below 2·fanout; the attempt cap only guards a list made mostly of `self`.
    for (let attempts = 0; out.length < fanout && attempts < 64 * fanout; attempts++) {
      const i = random.int(n);
      if (chosen.has(i)) continue;
      chosen.add(i);
      const peer = peers[i] as string;
      if (peer !== self) out.push(peer);
    }
    if (out.length === fanout) return out;
  }
  const candidates = self === undefined ? peers : peers.filter((p) => p !== self);
  return random.pick(fanout, candidates);
}
