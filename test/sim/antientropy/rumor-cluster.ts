/**
 * One rumor spread through a whole simulated cluster, every node a RumorMonger over its SimNetwork transport
 * with every other node as a peer (the global namespace of DESIGN.md §10). Shared by
 * test/sim/antientropy/rumor.test.ts and bench/rumor.ts; synchronous handlers only, so it runs with runSync.
 */
import type { RumorVerdict } from '../../../src/antientropy/rumor-codec.js';
import { RumorMonger } from '../../../src/antientropy/rumor-monger.js';
import { type LinkFaults, SimNetwork } from '../../../src/sim/index.js';

export interface RumorRunOptions {
  readonly n: number;
  readonly k: number;
  readonly seed: number;
  /** Peers per hot rumor per round (Demers' analysis: 1). */
  readonly fanout?: number;
  /** Round length in virtual ms; far above the LAN round trip, so feedback arrives within its round. */
  readonly intervalMs?: number;
  /** Give up (dieOutRound null) if rumors are still hot after this many rounds. */
  readonly maxRounds?: number;
  readonly link?: Partial<LinkFaults>;
}

export interface RumorRun {
  readonly n: number;
  readonly k: number;
  readonly seed: number;
  /** Nodes that hold the update at the end, the origin included. */
  readonly reached: number;
  /** Fraction of nodes never reached. */
  readonly residue: number;
  /** Push datagrams sent by all nodes. */
  readonly pushes: number;
  /** All datagrams sent (pushes and feedback), from the network's counters. */
  readonly datagrams: number;
  /** Feedback that answered no outstanding push (duplicates, late answers); 0 on a clean network. */
  readonly feedbackIgnored: number;
  /** The last round in which any node pushed: the rumor died out after it. Null if maxRounds passed first. */
  readonly dieOutRound: number | null;
  /** The round in which the last node that was ever reached got the update. */
  readonly lastReachRound: number;
  /** The round in which every node held the update; null if some never did. */
  readonly allReachedRound: number | null;
  /** Nodes newly reached per round, index = round (round 0 is the origin). */
  readonly reachedPerRound: readonly number[];
  readonly traceHash: string;
}

const RUMOR_ID = 'settings/feature-x@n0:1';
const PAYLOAD = new TextEncoder().encode('{"feature-x":"on"}');

export function runRumor(opts: RumorRunOptions): RumorRun {
  const { n, k, seed } = opts;
  const fanout = opts.fanout ?? 1;
  const intervalMs = opts.intervalMs ?? 100;
  const maxRounds = opts.maxRounds ?? 500;
  const sim = new SimNetwork({ seed, perLinkCounters: false, ...(opts.link ? { link: opts.link } : {}) });
  const addrs = Array.from({ length: n }, (_, i) => `n${i}:7946`);
  /** Virtual time each node first applied the update; NaN while it has not. */
  const reachedAtMs = new Float64Array(n).fill(Number.NaN);
  const mongers = addrs.map((address, i) => {
    const node = sim.addNode(address);
    const monger = new RumorMonger(
      {
        scheduler: node.scheduler,
        random: node.random,
        send: (peer, bytes) => {
          node.transport.sendPacket(peer, bytes);
        },
        peers: () => addrs,
        self: address,
        // The application's store: one global-namespace update, applied once.
        deliver: (): RumorVerdict => {
          if (!Number.isNaN(reachedAtMs[i] as number)) return 'known';
          reachedAtMs[i] = sim.now();
          return 'new';
        },
      },
      { k, intervalMs, fanout, maxHot: 16, jitterMs: 0 },
    );
    node.transport.onPacket((from, bytes) => monger.handlePacket(from, bytes));
    return monger;
  });

  reachedAtMs[0] = 0;
  mongers[0]?.spread(RUMOR_ID, PAYLOAD);
  for (const m of mongers) m.start();

  // Rounds fire at r·intervalMs on every node (no jitter: Demers' synchronous cycles). Checking half an
  // interval later sees round r's pushes and their feedback settled.
  sim.runSync(intervalMs / 2);
  let dieOutRound: number | null = null;
  for (let r = 1; r <= maxRounds; r++) {
    sim.runSync(intervalMs);
    if (mongers.every((m) => m.stats.rumorsHot === 0)) {
      dieOutRound = r;
      break;
    }
  }
  for (const m of mongers) m.stop();

  const reachedPerRound: number[] = [];
  let reached = 0;
  let lastReachRound = 0;
  for (const t of reachedAtMs) {
    if (Number.isNaN(t)) continue;
    reached++;
    // A push of round r leaves at r·intervalMs and lands a LAN hop later, well inside round r.
    const round = Math.floor(t / intervalMs);
    lastReachRound = Math.max(lastReachRound, round);
    while (reachedPerRound.length <= round) reachedPerRound.push(0);
    reachedPerRound[round] = (reachedPerRound[round] ?? 0) + 1;
  }
  const totals = mongers.reduce(
    (acc, m) => {
      const s = m.stats;
      return { pushes: acc.pushes + s.pushesSent, ignored: acc.ignored + s.feedbackIgnored };
    },
    { pushes: 0, ignored: 0 },
  );
  return {
    n,
    k,
    seed,
    reached,
    residue: (n - reached) / n,
    pushes: totals.pushes,
    datagrams: sim.counters().sent,
    feedbackIgnored: totals.ignored,
    dieOutRound,
    lastReachRound,
    allReachedRound: reached === n ? lastReachRound : null,
    reachedPerRound,
    traceHash: sim.traceHash(),
  };
}
