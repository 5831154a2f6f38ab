/**
 * Rumor mongering as a pure state machine (DESIGN.md §10): Demers et al., "Epidemic algorithms for replicated
 * database maintenance" (PODC 1987), §1.4, in the (push, feedback, counter) variant:
 *
 *  - A locally originated update (`spread`) or one received for the first time becomes a hot rumor.
 *  - Every round each hot rumor is pushed to `fanout` peers chosen uniformly at random (`round`).
 *  - The receiver hands the payload to the application (`deliver`, e.g. a DVV merge), which says whether it
 *    was new; the receiver answers the pusher with that verdict (feedback) and, if new, makes it hot too.
 *  - Each "known" answer is an unnecessary contact; after `k` of them the pusher loses interest and the
 *    rumor leaves its hot set (`feedback`).
 *
 * Rumor mongering runs to quiescence and misses a residue of about e^{−(k+1)(1−s)} of the nodes (see
 * rumor-config.ts); anti-entropy repairs those. The core has no timer, no transport and no randomness of its
 * own: a driver decides when a round happens, passes the Random and the peers, carries the pushes it returns
 * and feeds back the answers — rumor-monger.ts over datagrams, rumor-stream.ts over stream requests.
 */
import { LRUCache } from 'lru-cache';
import type { Random } from '../runtime/random.js';
import { type RumorConfig, rumorConfig } from './rumor-config.js';

/** The receiver's answer to a push: 'new' if the update was news to it, 'known' otherwise. */
export type RumorVerdict = 'new' | 'known';

/** Longest rumor id, in UTF-8 bytes (its length is one byte in the datagram codec). */
export const MAX_RUMOR_ID_BYTES = 255;

const utf8Encoder = new TextEncoder();

/** The id's UTF-8 bytes; throws RangeError for an id no carrier can take (a programmer error). */
export function rumorIdBytes(id: string): Uint8Array {
  const bytes = utf8Encoder.encode(id);
  if (bytes.length === 0 || bytes.length > MAX_RUMOR_ID_BYTES) {
    throw new RangeError(`rumor id must be 1..${MAX_RUMOR_ID_BYTES} UTF-8 bytes, got ${bytes.length}`);
  }
  return bytes;
}

/** The protocol parameters the core uses (timing is the driver's), and this node's own address. */
export type RumorCoreInit = Pick<RumorConfig, 'k' | 'fanout' | 'maxHot'> &
  Partial<Pick<RumorConfig, 'maxSeenIds'>> & {
    /** This node's address, never pushed to even if the peers of a round list it. */
    readonly self?: string;
  };

/** One push a round asks the driver to carry. `payload` is the core's copy: read it, do not modify it. */
export interface RumorPush {
  readonly peer: string;
  readonly id: string;
  readonly payload: Uint8Array;
}

/** What one answer did: counted as 'new' or 'known', retired the rumor, or answered no outstanding push. */
export type FeedbackOutcome = RumorVerdict | 'retired' | 'ignored';

export interface RumorStats {
  /** Pushes sent. */
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
  /** Messages that were not a well-formed push or feedback, dropped (counted by the driver that read them). */
  readonly malformedPackets: number;
}

interface HotRumor {
  readonly payload: Uint8Array;
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
 * Rounds of pushes whose answers are still accepted: an answer later than this many rounds is ignored.
 * Answers normally take one round trip, far below one interval; the margin covers a slow link without
 * letting the awaiting map grow past AWAITING_ROUNDS × fanout peers when answers are lost.
 */
const AWAITING_ROUNDS = 4;

export class RumorCore {
  readonly k: number;
  readonly fanout: number;
  readonly maxHot: number;
  readonly self: string | undefined;
  /** Insertion order is age: the first entry is the oldest, dropped first beyond maxHot. */
  readonly #hot = new Map<string, HotRumor>();
  /**
   * The ids seen recently, at most maxSeenIds, the least recently pushed or spread forgotten first (`has`
   * does not refresh an id, `set` does). Bounded by count through `maxSize` with every id of size 1 rather
   * than by `max`: lru-cache preallocates `max` slots (about 1.4 MiB for the default 65,536), which a
   * simulator running hundreds of nodes in one process would pay per node before any rumor; this way the
   * cache grows with the ids actually seen. No TTL, so lru-cache never reads a clock.
   */
  readonly #seen: LRUCache<string, true>;
  readonly #counts = {
    pushesSent: 0,
    pushesReceived: 0,
    feedbackNew: 0,
    feedbackKnown: 0,
    feedbackIgnored: 0,
    rumorsRetired: 0,
    rumorsEvicted: 0,
    malformedPackets: 0,
  };

  /** Throws RangeError for a bad parameter (validated as rumor-config.ts does). */
  constructor(init: RumorCoreInit) {
    const { k, fanout, maxHot, maxSeenIds } = rumorConfig({
      k: init.k,
      fanout: init.fanout,
      maxHot: init.maxHot,
      ...(init.maxSeenIds === undefined ? {} : { maxSeenIds: init.maxSeenIds }),
    });
    this.k = k;
    this.fanout = fanout;
    this.maxHot = maxHot;
    this.self = init.self;
    this.#seen = new LRUCache<string, true>({ maxSize: maxSeenIds, sizeCalculation: () => 1 });
  }

  /**
   * Makes a locally originated update a hot rumor, pushed from the next round on. `id` names this update
   * (e.g. key and dot), not the key: two updates of one key are two rumors. Spreading an id again restarts
   * it with a fresh counter. Throws RangeError for an id outside 1..MAX_RUMOR_ID_BYTES UTF-8 bytes.
   */
  spread(id: string, payload: Uint8Array): void {
    rumorIdBytes(id);
    this.#seen.set(id, true);
    this.#makeHot(id, payload);
  }

  /**
   * One push received: the verdict to answer it with. An id remembered as seen is 'known' without asking
   * `deliver`; otherwise `deliver` decides, and 'new' makes the rumor hot here (with a copy of the payload,
   * which may be a view of a transport buffer the hot rumor outlives).
   */
  receive(
    id: string,
    payload: Uint8Array,
    deliver: (id: string, payload: Uint8Array) => RumorVerdict,
  ): RumorVerdict {
    this.#counts.pushesReceived++;
    if (this.#seen.has(id)) {
      this.#seen.set(id, true);
      return 'known';
    }
    const verdict = deliver(id, payload);
    this.#seen.set(id, true);
    // A copy: `slice` would not do, it is a view on a Node Buffer (what protobufjs and dgram hand out).
    if (verdict === 'new') this.#makeHot(id, new Uint8Array(payload));
    return verdict;
  }

  /** `from`'s answer to a push of `id`. Counts only an answer `from` owes; after k 'known' the rumor retires. */
  feedback(from: string, id: string, verdict: RumorVerdict): FeedbackOutcome {
    const rumor = this.#hot.get(id);
    if (rumor === undefined || !takeAnswer(rumor, from)) {
      this.#counts.feedbackIgnored++;
      return 'ignored';
    }
    if (verdict === 'new') {
      this.#counts.feedbackNew++;
      return 'new';
    }
    this.#counts.feedbackKnown++;
    rumor.unnecessary++;
    if (rumor.unnecessary < this.k) return 'known';
    this.#hot.delete(id);
    this.#counts.rumorsRetired++;
    return 'retired';
  }

  /**
   * One round: each hot rumor, oldest first, to `fanout` distinct random peers other than `self` (fewer if
   * there are not that many). Records the answers now owed; the driver carries the returned pushes.
   */
  round(peers: readonly string[], random: Random): readonly RumorPush[] {
    const out: RumorPush[] = [];
    for (const [id, rumor] of this.#hot) {
      for (const peer of pickPeers(random, peers, this.self, this.fanout)) {
        this.#expectAnswer(rumor, peer);
        this.#counts.pushesSent++;
        out.push({ peer, id, payload: rumor.payload });
      }
    }
    return out;
  }

  /** Counts one message the driver could not read (it never reaches the core). */
  malformed(): void {
    this.#counts.malformedPackets++;
  }

  isHot(id: string): boolean {
    return this.#hot.has(id);
  }

  /** Ids of the hot rumors, oldest first. */
  hotIds(): string[] {
    return [...this.#hot.keys()];
  }

  get hotCount(): number {
    return this.#hot.size;
  }

  /** How many rumor ids this node remembers having seen (at most maxSeenIds). */
  get seenIds(): number {
    return this.#seen.size;
  }

  get stats(): RumorStats {
    return { ...this.#counts, rumorsHot: this.#hot.size };
  }

  #makeHot(id: string, payload: Uint8Array): void {
    this.#hot.delete(id);
    this.#hot.set(id, { payload, unnecessary: 0, awaiting: new Map() });
    while (this.#hot.size > this.maxHot) {
      const oldest = this.#hot.keys().next();
      if (oldest.done === true) break;
      this.#hot.delete(oldest.value);
      this.#counts.rumorsEvicted++;
    }
  }

  #expectAnswer(rumor: HotRumor, peer: string): void {
    const awaiting = rumor.awaiting;
    const owed = awaiting.get(peer) ?? 0;
    // Re-inserting moves the peer to the newest end, so the oldest unanswered push ages out first.
    awaiting.delete(peer);
    awaiting.set(peer, owed + 1);
    const limit = AWAITING_ROUNDS * this.fanout;
    while (awaiting.size > limit) {
      const oldest = awaiting.keys().next();
      if (oldest.done === true) break;
      awaiting.delete(oldest.value);
    }
  }
}

/** Consumes one owed answer from `peer`; false when `peer` owes none. */
function takeAnswer(rumor: HotRumor, peer: string): boolean {
  const owed = rumor.awaiting.get(peer);
  if (owed === undefined) return false;
  if (owed <= 1) rumor.awaiting.delete(peer);
  else rumor.awaiting.set(peer, owed - 1);
  return true;
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
