/**
 * Simulated clusters (SimNetwork, healthy LAN links, lanConfig()): n nodes start together and join through
 * 3 seeds (`joinWithRetry`); we drive virtual time with `SimNetwork.run` (promise continuations run at
 * their virtual instant) in 100 ms slices, checking wall-time deadlines (join; after convergence) between slices.
 *
 *   join     virtual s until every node shows n alive and all checksums are equal; wall s to get there.
 *   dissem   after convergence (+2 virtual s), a random node calls sendUserEvent; virtual ms until the last
 *            other node emits the `user` event, in gossip rounds (÷ gossipIntervalMs), beside the push-pull
 *            rumor bound log3 n + ln ln n rounds (Karp, Schindelhauer, Shenker, Vöcking 2000).
 *   detect   a non-seed node crashes (stop + SimNetwork.crash); virtual s until the first / the last
 *            survivor emits `fail` for it.
 *
 * Warm start (`warmJoiners`): n − J nodes start converged and J join, so the join measured is J nodes
 * joining a running cluster; what a simultaneous storm of all n costs is the other mode.
 */
import { lanConfig, type MembershipConfig } from '../../src/membership/config.js';
import { nodeId } from '../../src/membership/member.js';
import type { Member } from '../../src/membership/member-events.js';
import type { Membership } from '../../src/membership/membership.js';
import { assembleNode } from '../../src/node/assemble.js';
import { seededRandom } from '../../src/runtime/random.js';
import { SimNetwork } from '../../src/sim/index.js';

const SLICE_MS = 100;
const SEEDS = 3;

export interface DissemTrial {
  readonly sender: string;
  /** Virtual ms until the last node received it; null when not everyone got it. */
  readonly ms: number | null;
  readonly rounds: number | null;
  readonly received: number;
  /** The wall cap ended the trial before everyone received it (not counted as a protocol failure). */
  readonly cut: boolean;
}

export interface SimTrial {
  readonly n: number;
  readonly seed: number;
  /** Nodes that joined through the seeds: n for a join storm, `warmJoiners` for a warm start. */
  readonly joiners: number;
  readonly converged: boolean;
  readonly joinVirtualS: number;
  readonly joinWallS: number;
  readonly dissem: DissemTrial[];
  readonly detectFirstS: number | null;
  readonly detectAllS: number | null;
  readonly wallS: number;
  readonly note: string;
}

export interface SimOptions {
  readonly events: number;
  /** Absolute performance.now() after which the join gives up. */
  readonly deadline: number;
  /** Wall ms allowed after convergence for the user events and the crash detection together. */
  readonly postJoinMs: number;
  readonly maxJoinVirtualMs: number;
  readonly maxDetectVirtualMs: number;
  readonly detect: boolean;
  /**
   * Warm start: the first n − warmJoiners nodes start converged (MembershipInit.knownMembers: every one of
   * them alive at incarnation 1), and only the last warmJoiners nodes join through the seeds. Unset: all n
   * start empty and join at once (a join storm).
   */
  readonly warmJoiners?: number;
  /** Called about every PROGRESS_WALL_MS of wall time while the join converges (large n take minutes). */
  readonly progress?: (p: JoinProgress) => void;
}

export interface JoinProgress {
  readonly virtualS: number;
  readonly wallS: number;
  /** Fewest and most members any node lists as alive (n when converged). */
  readonly minAlive: number;
  readonly maxAlive: number;
  readonly heapMB: number;
}

const PROGRESS_WALL_MS = 30_000;

/** The push-pull rumor bound in rounds: log3 n + ln ln n. */
export function rumorBoundRounds(n: number): number {
  return Math.log(n) / Math.log(3) + Math.log(Math.log(n));
}

const addr = (i: number): string => `n${i}:7946`;

export async function simTrial(
  n: number,
  seed: number,
  opts: SimOptions,
  config: MembershipConfig = lanConfig(),
): Promise<SimTrial> {
  const wall0 = performance.now();
  const sim = new SimNetwork({ seed, perLinkCounters: false });
  const nodes: Membership[] = [];
  const pick = seededRandom(seed ^ 0x6d656d62);
  // Per-trial trackers, filled by the nodes' event listeners.
  let userName = '';
  let userSeen = new Map<number, number>();
  let failId = '';
  let failSeen = new Map<number, number>();
  const joiners = Math.min(n, opts.warmJoiners ?? n);
  const warm = n - joiners;
  const knownMembers: Member[] = Array.from({ length: warm }, (_, i) => ({
    id: nodeId(`n${i}`),
    addr: addr(i),
    zone: '',
    meta: {},
    incarnation: 1,
    state: 'alive',
  }));
  for (let i = 0; i < n; i++) {
    const node = sim.addNode(addr(i));
    // The shared node assembly, membership only; no metrics registry (10,000 prom-client registries would
    // measure prom-client, not the protocol).
    const { membership: m } = await assembleNode(
      { clock: node.clock, scheduler: node.scheduler, random: node.random, transport: node.transport },
      {
        name: `n${i}`,
        cluster: 'sim',
        membership: config,
        store: false,
        ...(i < warm ? { knownMembers } : {}),
      },
    );
    m.onEvent((e) => {
      if (e.kind === 'user') {
        if (e.name === userName && !userSeen.has(i)) userSeen.set(i, sim.now());
      } else if (e.kind === 'fail' && e.member.id === failId && !failSeen.has(i)) {
        failSeen.set(i, sim.now());
      }
    });
    nodes.push(m);
  }
  for (const m of nodes) m.start();
  const seeds = Array.from({ length: Math.min(SEEDS, n) }, (_, i) => addr(i));
  for (let i = warm; i < n; i++) {
    const others = seeds.filter((s) => s !== addr(i));
    if (others.length > 0) void nodes[i]?.joinWithRetry(others);
  }
  const live = new Set(nodes.keys());
  const converged = (): boolean => {
    let sum: string | null = null;
    for (const i of live) {
      const m = nodes[i] as Membership;
      if (m.countByState().alive !== live.size) return false;
      const c = m.checksum();
      if (sum === null) sum = c;
      else if (c !== sum) return false;
    }
    return true;
  };
  const out = (extra: Partial<SimTrial>): SimTrial => ({
    n,
    seed,
    joiners,
    converged: false,
    joinVirtualS: Number.NaN,
    joinWallS: (performance.now() - wall0) / 1000,
    dissem: [],
    detectFirstS: null,
    detectAllS: null,
    wallS: (performance.now() - wall0) / 1000,
    note: '',
    ...extra,
  });
  const stopAll = (): void => {
    for (const m of nodes) m.stop();
  };

  // Join.
  const t0 = sim.now();
  let nextProgress = performance.now() + PROGRESS_WALL_MS;
  while (!converged()) {
    if (opts.progress !== undefined && performance.now() > nextProgress) {
      nextProgress = performance.now() + PROGRESS_WALL_MS;
      let minAlive = n;
      let maxAlive = 0;
      for (const m of nodes) {
        const a = m.countByState().alive;
        minAlive = Math.min(minAlive, a);
        maxAlive = Math.max(maxAlive, a);
      }
      opts.progress({
        virtualS: (sim.now() - t0) / 1000,
        wallS: (performance.now() - wall0) / 1000,
        minAlive,
        maxAlive,
        heapMB: Math.round(process.memoryUsage().heapUsed / 1e6),
      });
    }
    if (performance.now() > opts.deadline) {
      stopAll();
      return out({ joinVirtualS: (sim.now() - t0) / 1000, note: 'wall cap reached before convergence' });
    }
    if (sim.now() - t0 > opts.maxJoinVirtualMs) {
      stopAll();
      return out({ joinVirtualS: (sim.now() - t0) / 1000, note: 'no convergence within the virtual limit' });
    }
    await sim.run(SLICE_MS);
  }
  const joinVirtualS = (sim.now() - t0) / 1000;
  const joinWallS = (performance.now() - wall0) / 1000;
  const post = performance.now() + opts.postJoinMs;
  await sim.run(2000);

  // Dissemination.
  const dissem: DissemTrial[] = [];
  let note = '';
  for (let e = 0; e < opts.events; e++) {
    if (performance.now() > post) {
      note = `wall cap reached after ${e} user events`;
      break;
    }
    const s = pick.int(n);
    userName = `bench-${seed}-${e}`;
    userSeen = new Map();
    const start = sim.now();
    (nodes[s] as Membership).sendUserEvent(userName, new Uint8Array([e & 0xff]));
    userSeen.delete(s);
    const others = (): number => userSeen.size - (userSeen.has(s) ? 1 : 0);
    while (others() < n - 1 && sim.now() - start < 30_000 && performance.now() <= post) {
      await sim.run(SLICE_MS);
    }
    const got = others();
    let last = start;
    for (const [i, t] of userSeen) if (i !== s) last = Math.max(last, t);
    const ms = got === n - 1 ? last - start : null;
    dissem.push({
      sender: `n${s}`,
      ms,
      rounds: ms === null ? null : ms / config.gossipIntervalMs,
      received: got,
      cut: ms === null && performance.now() > post,
    });
    await sim.run(1000);
  }

  // Crash detection.
  let detectFirstS: number | null = null;
  let detectAllS: number | null = null;
  if (opts.detect && n > SEEDS && performance.now() <= post) {
    // The last node that is no seed and (warm start) no joiner either.
    const victim = warm > SEEDS ? warm - 1 : n - 1;
    failId = `n${victim}`;
    failSeen = new Map();
    const start = sim.now();
    (nodes[victim] as Membership).stop();
    sim.crash(addr(victim));
    live.delete(victim);
    while (failSeen.size < live.size && sim.now() - start < opts.maxDetectVirtualMs) {
      if (performance.now() > post) {
        note ||= `wall cap reached during failure detection (${failSeen.size}/${live.size} detected)`;
        break;
      }
      await sim.run(SLICE_MS);
    }
    const times = [...failSeen.values()].sort((a, b) => a - b);
    if (times.length > 0) detectFirstS = ((times[0] as number) - start) / 1000;
    if (failSeen.size === live.size) detectAllS = ((times[times.length - 1] as number) - start) / 1000;
    else note ||= `only ${failSeen.size}/${live.size} detected the crash`;
  }
  stopAll();
  return out({
    converged: true,
    joinVirtualS,
    joinWallS,
    dissem,
    detectFirstS,
    detectAllS,
    wallS: (performance.now() - wall0) / 1000,
    note,
  });
}
