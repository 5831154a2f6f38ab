/**
 * Simulated membership scenarios (DESIGN.md §12): each builds a cluster in SimNetwork from one seed, applies a
 * fault schedule in virtual time and returns what it measured. The tests in this folder assert on the results
 * with bounds from `bounds.ts`; `largeScaleScenarios` runs the same scenarios at n = 1,000 for a benchmark
 * (too slow for `npm test`).
 */
import type { MembershipConfig } from '../../../src/membership/config.js';
import { detectionBoundMs, disseminationMs, joinBoundMs, suspicionBoundsMs } from './bounds.js';
import { distribution, SimCluster } from './sim-cluster.js';

export interface Distribution {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  readonly count: number;
}

export interface JoinOutcome {
  readonly cluster: SimCluster;
  readonly n: number;
  /** Virtual ms from the first join request to one checksum everywhere with all n alive. */
  readonly convergedMs: number;
}

/** n nodes join through the first `seedCount` of them and converge (every checksum equal, all alive). */
export async function joinConvergence(
  seed: number,
  n: number,
  opts: { seedCount?: number; config?: MembershipConfig; recordEvents?: boolean } = {},
): Promise<JoinOutcome> {
  const cluster = new SimCluster({
    seed,
    perLinkCounters: false,
    recordEvents: opts.recordEvents ?? true,
    ...(opts.config === undefined ? {} : { config: opts.config }),
  });
  const seeds = SimCluster.addrs(opts.seedCount ?? 3);
  const convergedMs = await cluster.startConverged(n, seeds, joinBoundMs(cluster.config, n));
  return { cluster, n, convergedMs };
}

export interface CrashOutcome {
  readonly cluster: SimCluster;
  readonly victims: readonly string[];
  /** Virtual ms the join took before the crash (see joinConvergence). */
  readonly joinMs: number;
  /** Virtual ms from the crash until every live node marked every victim dead (null: not within the bound). */
  readonly allDeadMs: number | null;
  /** Per (observer, victim) pair: virtual ms from the crash to the observer's `fail` event. */
  readonly detections: Distribution | null;
  /** `fail` events about members that are still running. */
  readonly falseFailures: number;
  readonly boundMs: number;
}

/** Crashes `victimCount` random members of a converged cluster and measures who marks them dead, and when. */
export async function crashDetection(seed: number, n: number, victimCount = 3): Promise<CrashOutcome> {
  const { cluster, convergedMs: joinMs } = await joinConvergence(seed, n);
  const victimAddrs = cluster.random.pick(victimCount, SimCluster.addrs(n));
  const victims = victimAddrs.map(SimCluster.nameOf);
  const t0 = cluster.sim.now();
  for (const a of victimAddrs) cluster.crash(a);
  const boundMs = detectionBoundMs(cluster.config, n);
  const allDeadMs = await cluster.runUntil(() => victims.every((v) => cluster.allSee(v, 'dead')), boundMs);
  const fails = cluster.events.filter((e) => e.atMs >= t0 && e.event.kind === 'fail');
  const victimFails = fails.filter((e) => 'member' in e.event && victims.includes(e.event.member.id));
  return {
    cluster,
    victims,
    joinMs,
    allDeadMs,
    detections: victimFails.length === 0 ? null : distribution(victimFails.map((e) => e.atMs - t0)),
    falseFailures: fails.length - victimFails.length,
    boundMs,
  };
}

export interface LossOutcome {
  readonly cluster: SimCluster;
  readonly fails: number;
  /** Refutations: how far local incarnations rose in total (each refutation raises one by ≥ 1). */
  readonly incarnationRises: number;
  /** (observer, member) suspect states seen at the once-a-second samples. */
  readonly suspectSamples: number;
  readonly convergedAfterMs: number | null;
}

/** A converged cluster runs `durationMs` with `loss` on every link; then loss stops and it must converge. */
export async function lossTolerance(
  seed: number,
  n: number,
  loss: number,
  durationMs: number,
): Promise<LossOutcome> {
  const { cluster } = await joinConvergence(seed, n);
  const t0 = cluster.sim.now();
  const startInc = new Map(cluster.live().map((m) => [m.name as string, m.local().incarnation]));
  cluster.sim.setLinkDefaults({ loss });
  let suspectSamples = 0;
  await cluster.runObserving(
    durationMs,
    () => {
      for (const m of cluster.live()) suspectSamples += m.countByState().suspect;
    },
    cluster.config.probeIntervalMs,
  );
  cluster.sim.setLinkDefaults({ loss: 0 });
  const convergedAfterMs = await cluster.runUntil(
    () => cluster.converged(n),
    suspicionBoundsMs(cluster.config, n).maxMs + disseminationMs(cluster.config, n),
  );
  let incarnationRises = 0;
  for (const m of cluster.live()) incarnationRises += m.local().incarnation - (startInc.get(m.name) ?? 0);
  return {
    cluster,
    fails: cluster.events.filter((e) => e.atMs >= t0 && e.event.kind === 'fail').length,
    incarnationRises,
    suspectSamples,
    convergedAfterMs,
  };
}

export interface PauseOutcome {
  readonly cluster: SimCluster;
  readonly paused: string;
  readonly pauseMs: number;
  readonly incarnationBefore: number;
  readonly incarnationAfter: number;
  /** Whether any other node showed the paused member `suspect` (sampled every 100 virtual ms). */
  readonly suspected: boolean;
  /** `fail` events about the paused member, and when the first came (ms after the pause began). */
  readonly fails: number;
  readonly firstFailMs: number | null;
  /** Whether every other node showed it `dead` at once, at some sample. */
  readonly deadEverywhere: boolean;
  /** Virtual ms from the resume until one checksum everywhere with all n alive (null: not within the bound). */
  readonly recoveredMs: number | null;
  readonly recoveryBoundMs: number;
}

/** Pauses one member of a converged n-node cluster for `pauseMs`, then watches it recover. */
export async function pauseScenario(seed: number, n: number, pauseMs: number): Promise<PauseOutcome> {
  const { cluster } = await joinConvergence(seed, n);
  const addr = cluster.random.pick(1, SimCluster.addrs(n))[0] as string;
  const name = SimCluster.nameOf(addr);
  const m = cluster.node(addr);
  const incarnationBefore = m.local().incarnation;
  const t0 = cluster.sim.now();
  cluster.sim.pause(addr, pauseMs);
  let suspected = false;
  let deadEverywhere = false;
  const watch = (): void => {
    if (cluster.someSee(name, 'suspect')) suspected = true;
    if (cluster.allSee(name, 'dead')) deadEverywhere = true;
  };
  await cluster.runObserving(pauseMs, watch);
  // After waking: a refutation spreads like any rumor; if it was declared dead, the others only hear from it
  // again through its own gossip and push/pull (they no longer probe it), so allow one push/pull period.
  const cfg = cluster.config;
  const recoveryBoundMs =
    cfg.probeIntervalMs + disseminationMs(cfg, n) + (deadEverywhere ? cfg.pushPullIntervalMs : 0);
  const recoveredMs = await cluster.runUntil(() => {
    watch();
    return cluster.converged(n);
  }, recoveryBoundMs);
  const fails = cluster.eventsOf(['fail'], name).filter((e) => e.atMs >= t0);
  return {
    cluster,
    paused: name,
    pauseMs,
    incarnationBefore,
    incarnationAfter: m.local().incarnation,
    suspected,
    fails: fails.length,
    firstFailMs: fails[0] === undefined ? null : fails[0].atMs - t0,
    deadEverywhere,
    recoveredMs,
    recoveryBoundMs,
  };
}

export interface FlapOutcome {
  readonly cluster: SimCluster;
  readonly flapper: string;
  readonly downMs: number;
  readonly upMs: number;
  readonly cycles: number;
  readonly suspectedSamples: number;
  readonly failsAboutFlapper: number;
  /** `fail` events about other members (the flapper's own probes fail while its links are down). */
  readonly failsAboutOthers: number;
  readonly incarnationRise: number;
  readonly recoveredMs: number | null;
}

/**
 * One member's links (both directions, to every other member) alternate between 100 % loss for `downMs` and
 * healthy for `upMs`, `cycles` times; afterwards the cluster must converge again.
 */
export async function flappingLink(
  seed: number,
  n: number,
  downMs: number,
  upMs: number,
  cycles: number,
): Promise<FlapOutcome> {
  const { cluster } = await joinConvergence(seed, n);
  const addr = cluster.random.pick(1, SimCluster.addrs(n))[0] as string;
  const name = SimCluster.nameOf(addr);
  const m = cluster.node(addr);
  const incBefore = m.local().incarnation;
  const others = SimCluster.addrs(n).filter((a) => a !== addr);
  const setLoss = (loss: number): void => {
    for (const o of others) cluster.sim.setLinkBoth(addr, o, { loss });
  };
  const t0 = cluster.sim.now();
  for (let i = 0; i < cycles; i++) {
    const downAt = t0 + i * (downMs + upMs);
    cluster.sim.at(downAt, () => setLoss(1));
    cluster.sim.at(downAt + downMs, () => setLoss(0));
  }
  let suspectedSamples = 0;
  await cluster.runObserving(cycles * (downMs + upMs), () => {
    for (const o of cluster.live()) if (o.member(name)?.state === 'suspect') suspectedSamples++;
  });
  const cfg = cluster.config;
  const recoveredMs = await cluster.runUntil(
    () => cluster.converged(n),
    suspicionBoundsMs(cfg, n).maxMs + disseminationMs(cfg, n),
  );
  const fails = cluster.events.filter((e) => e.atMs >= t0 && e.event.kind === 'fail');
  const aboutFlapper = fails.filter((e) => 'member' in e.event && e.event.member.id === name).length;
  return {
    cluster,
    flapper: name,
    downMs,
    upMs,
    cycles,
    suspectedSamples,
    failsAboutFlapper: aboutFlapper,
    failsAboutOthers: fails.length - aboutFlapper,
    incarnationRise: m.local().incarnation - incBefore,
    recoveredMs,
  };
}

export interface PartitionOutcome {
  readonly cluster: SimCluster;
  readonly halves: readonly [readonly string[], readonly string[]];
  /** Virtual ms from the cut until each half shows every member of the other half dead (null: not in bound). */
  readonly splitMs: number | null;
  /** How long the partition was held after the split was complete. */
  readonly extraHoldMs: number;
  /** Virtual ms from the heal until one checksum everywhere with all n alive (null: not within the bound). */
  readonly healedMs: number | null;
  readonly healBoundMs: number;
  /** Per node, how many members it shows alive at the end. */
  readonly aliveCounts: readonly number[];
}

/**
 * Splits a converged n-node cluster into two halves until each half has declared the other dead, holds the
 * partition `extraHoldMs` longer, heals it, and waits `healBoundMs` for one view.
 */
export async function partitionScenario(
  seed: number,
  n: number,
  extraHoldMs: number,
  healBoundMs: number,
): Promise<PartitionOutcome> {
  const { cluster } = await joinConvergence(seed, n);
  const all = cluster.random.shuffle(SimCluster.addrs(n));
  const a = all.slice(0, n / 2);
  const b = all.slice(n / 2);
  const seesDead = (viewers: readonly string[], others: readonly string[]): boolean =>
    viewers.every((v) => others.every((o) => cluster.node(v).member(SimCluster.nameOf(o))?.state === 'dead'));
  const p = cluster.sim.partition(a, b);
  const splitMs = await cluster.runUntil(
    () => seesDead(a, b) && seesDead(b, a),
    detectionBoundMs(cluster.config, n),
  );
  await cluster.sim.run(extraHoldMs);
  cluster.sim.heal(p);
  const healedMs = await cluster.runUntil(() => cluster.converged(n), healBoundMs, 500);
  return {
    cluster,
    halves: [a.map(SimCluster.nameOf), b.map(SimCluster.nameOf)],
    splitMs,
    extraHoldMs,
    healedMs,
    healBoundMs,
    aliveCounts: cluster.live().map((m) => m.countByState().alive),
  };
}

export interface LargeScaleResult {
  readonly n: number;
  readonly joinConvergedMs: number;
  readonly crash: { readonly allDeadMs: number | null; readonly detections: Distribution | null };
  readonly wallMs: number;
}

/**
 * The join and crash-detection scenarios at benchmark scale (default n = 1,000: minutes of wall time, so not
 * part of `npm test`). For bench/: `await largeScaleScenarios(1, [1000])`.
 */
export async function largeScaleScenarios(
  seed: number,
  sizes: readonly number[] = [1000],
): Promise<LargeScaleResult[]> {
  const out: LargeScaleResult[] = [];
  for (const n of sizes) {
    const started = performance.now();
    const join = await joinConvergence(seed, n);
    const crash = await crashDetection(seed, n);
    out.push({
      n,
      joinConvergedMs: join.convergedMs,
      crash: { allDeadMs: crash.allDeadMs, detections: crash.detections },
      wallMs: Math.round(performance.now() - started),
    });
  }
  return out;
}
