import { PeriodicTask } from '../runtime/periodic-task.js';
import type { Scheduler } from '../runtime/scheduler.js';
/**
 * Every tunable of data rumor mongering in one typed object (DESIGN.md §10). The protocol is Demers et al.,
 * "Epidemic algorithms for replicated database maintenance" (PODC 1987), §1.4, in its (push, feedback,
 * counter) variant: each round a node pushes each hot rumor to `fanout` random peers; a peer answers whether
 * the rumor was new to it; after `k` "known" answers the pusher loses interest.
 *
 * The residue s (the fraction of nodes a rumor never reaches) solves s = e^{−(k+1)(1−s)} in the large-n
 * limit (Demers §1.4): about 20 % at k = 1, 6 % at k = 2, 2 % at k = 3, 0.7 % at k = 4, 0.25 % at k = 5.
 * Rumor mongering runs to quiescence and can miss nodes; anti-entropy is what makes delivery certain.
 */

export interface RumorConfig {
  /**
   * Unnecessary contacts ("known" feedback) before a node loses interest in a rumor (Demers' counter).
   * Residue falls exponentially in k (formula above); pushes per node are (k + 1)(1 − s) − 1/n with one
   * push per round, since each of the n(1 − s) nodes reached sends exactly k unnecessary pushes and every
   * node but the origin was reached by one necessary push (Demers §1.4, "Counter vs. Coin").
   */
  readonly k: number;
  /**
   * One round: every `intervalMs` each hot rumor is pushed. Spreading takes about log2 n + ln n rounds
   * (push without loss of interest, Pittel 1987), so the time to reach most nodes is that many intervals.
   * Shorter means faster spreading and more datagrams per second while rumors are hot; nothing is sent
   * while no rumor is hot.
   */
  readonly intervalMs: number;
  /**
   * Peers each hot rumor is pushed to per round. Demers' analysis is for 1. A larger fanout spreads in
   * fewer rounds (about log_{1+fanout} n) but a node reaches its k "known" answers sooner, so residue per
   * push sent changes little; kept small so a round's datagrams stay bounded by maxHot × fanout.
   */
  readonly fanout: number;
  /**
   * Largest number of hot rumors a node keeps; a new one beyond it drops the oldest (which then relies on
   * anti-entropy). Bounds memory and the datagrams of one round (maxHot × fanout).
   */
  readonly maxHot: number;
  /**
   * Rumor ids remembered (an LRU) so a duplicate push is answered "known" without asking the application.
   * Should cover the ids a cluster creates while a rumor is alive (rounds to die out × write rate); an id
   * forgotten too early costs one call of `deliver`, which decides again, never a wrong answer.
   */
  readonly maxSeenIds: number;
  /**
   * Jitter of the round timer, in [0, intervalMs): rounds of different nodes drift apart so a cluster
   * started together does not send in lock-step. 0 keeps Demers' synchronous cycles (simulations, bench).
   */
  readonly jitterMs: number;
}

/** A driver's rounds: every `intervalMs`, with the config's own jitter (0 keeps Demers' synchronous cycles). */
export function roundTask(scheduler: Scheduler, config: RumorConfig, round: () => void): PeriodicTask {
  return new PeriodicTask(scheduler, config.intervalMs, round, undefined, config.jitterMs);
}

/** Demers §1.4: k = 3 leaves about 2 % for anti-entropy at under 4 pushes per node. */
export const DEFAULT_RUMOR_K = 3;
export const DEFAULT_RUMOR_INTERVAL_MS = 200;
export const DEFAULT_RUMOR_FANOUT = 1;
export const DEFAULT_RUMOR_MAX_HOT = 1024;
export const DEFAULT_RUMOR_MAX_SEEN_IDS = 65_536;
export const DEFAULT_RUMOR_JITTER_MS = 20;

/** A fresh default config (a function so no caller can mutate a shared object). */
export function defaultRumorConfig(): RumorConfig {
  return {
    k: DEFAULT_RUMOR_K,
    intervalMs: DEFAULT_RUMOR_INTERVAL_MS,
    fanout: DEFAULT_RUMOR_FANOUT,
    maxHot: DEFAULT_RUMOR_MAX_HOT,
    maxSeenIds: DEFAULT_RUMOR_MAX_SEEN_IDS,
    jitterMs: DEFAULT_RUMOR_JITTER_MS,
  };
}

/** Fills defaults and validates: a bad config is a programmer error (RangeError). */
export function rumorConfig(init: Partial<RumorConfig> = {}): RumorConfig {
  const config = { ...defaultRumorConfig(), ...init };
  validateRumorConfig(config);
  return config;
}

export function validateRumorConfig(config: RumorConfig): void {
  const positiveInts = ['k', 'fanout', 'maxHot', 'maxSeenIds'] as const;
  for (const name of positiveInts) {
    const v = config[name];
    if (!(Number.isSafeInteger(v) && v >= 1))
      throw new RangeError(`${name} must be an integer ≥ 1, got ${v}`);
  }
  const { intervalMs, jitterMs } = config;
  if (!(Number.isFinite(intervalMs) && intervalMs > 0)) {
    throw new RangeError(`intervalMs must be a positive finite number, got ${intervalMs}`);
  }
  if (!(Number.isFinite(jitterMs) && jitterMs >= 0 && jitterMs < intervalMs)) {
    throw new RangeError(`jitterMs must be in [0, intervalMs), got ${jitterMs} for intervalMs ${intervalMs}`);
  }
}

/**
 * The large-n residue of (push, feedback, counter) rumor mongering: the root s < 1 of s = e^{−(k+1)(1−s)}
 * (Demers §1.4). Demers derives it for the coin variant (lose interest with probability 1/k per "known");
 * the counter gives the same fluid limit: with B = k·(nodes reached) − (known answers) the hot budget, each
 * push moves B by +k with probability s and −1 otherwise, so dB/ds = −(k+1) + 1/s whatever the order of
 * contacts, B(s) = (k+1)(1−s) + ln s, and spreading stops at B = 0.
 */
export function demersResidue(k: number): number {
  // Fixed-point iteration from 0 converges monotonically to the smaller root (the map is increasing and
  // convex, and s = 1 is the other root).
  let s = 0;
  for (let i = 0; i < 10_000; i++) {
    const next = Math.exp(-(k + 1) * (1 - s));
    if (Math.abs(next - s) < 1e-15) return next;
    s = next;
  }
  return s;
}
