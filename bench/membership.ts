/**
 * `npm run bench -- membership [args]`: the SWIM/Lifeguard membership layer, three ways.
 *
 *  1. Real UDP+TCP nodes (`UdpTransport` on 127.0.0.1, `realRuntime`, `lanConfig()`), K per run in one process,
 *     measured exactly as the memberlist peer runner measures memberlist (bench/membership/real.ts).
 *  2. The memberlist peer (/work/shared/peers/memberlist/run.sh), same K, same run; ours/memberlist ratios.
 *  3. Simulated clusters (SimNetwork): join through 3 seeds, crash detection, and user-event dissemination
 *     in gossip rounds beside the log3 n + ln ln n bound (bench/membership/sim.ts).
 *
 * Args (defaults in brackets):
 *   --real 16,64,128   cluster sizes of the real runs [16,64,128]; `none` skips
 *   --runs R           runs per real size [1]
 *   --no-peer          skip memberlist
 *   --peer-install-timeout-s S   limit for `run.sh -config` (the first one apt-installs Go) [600]
 *   --timeout-s S      per-phase timeout of a real run [120]
 *   --sim 1000,10000   simulated join/detect sizes [1000,10000]; a size that does not converge within its
 *                      wall cap skips the larger ones
 *   --dissem 100,1000  sizes for dissemination trials [100,1000]
 *   --seeds N          simulated seeds per dissemination size [5]
 *   --events E         user events per seed [3]
 *   --sim-cap-s S      wall cap per simulated size for joins (all its seeds together) [120]; a larger size
 *                      whose predicted join wall time (the previous size's, scaled linearly) exceeds it is
 *                      skipped with a note
 *   --post-cap-s S     wall cap per trial after convergence, for the user events and crash detection [150]
 *   --warm 1000,10000  sizes started warm: n − J nodes start converged (MembershipInit.knownMembers) and J
 *                      join through 3 seeds, then the same user events and crash detection [1000,10000]; `none`
 *                      skips. A storm of 10,000 simultaneous joins costs hours of CPU (docs/membership-sim-results.md)
 *   --warm-joiners J   nodes joining the warm cluster [10]
 *   --warm-cap-s S     wall cap per warm size, join and post-join phases each [1800]
 *   --name NAME        results name: bench/results/NAME.json and its own BENCHMARKS.md section [membership]
 */
import { lanConfig } from '../src/membership/config.js';
import { arg, dist, numList } from './membership/common.js';
import {
  type ConfigRow,
  compareConfig,
  type PeerConfig,
  type PeerRuns,
  peerConfig,
  peerRuns,
} from './membership/peer.js';
import { type RunRecord, realRun } from './membership/real.js';
import { rumorBoundRounds, type SimTrial, simTrial } from './membership/sim.js';
import { environment, formatNumber, table, writeResult } from './report.js';

interface RealSize {
  readonly k: number;
  readonly ours: RunRecord[];
  readonly peer: PeerRuns | { ok: false; reason: string };
}

const COMPARED: readonly (readonly [string, string])[] = [
  ['join_s', 'join: all list K (s)'],
  ['fail_first_dead_s', 'fail: first marks dead, event (s)'],
  ['fail_first_dead_poll_s', 'fail: first drops it, poll (s)'],
  ['fail_all_dead_s', 'fail: all drop it (s)'],
  ['leave_call_s', 'leave() call returns (s)'],
  ['leave_first_poll_s', 'leave: first drops it (s)'],
  ['leave_all_s', 'leave: all drop it (s)'],
  ['join_udp_pkts', 'join: UDP packets (all nodes)'],
  ['join_tcp_bytes', 'join: TCP bytes (all nodes)'],
  ['steady_udp_pkts_per_node_s', 'steady: UDP pkts / node / s'],
  ['steady_udp_bytes_per_node_s', 'steady: UDP bytes / node / s'],
  ['steady_tcp_bytes_per_node_s', 'steady: TCP bytes / node / s'],
  ['cpu_cores_used', 'CPU cores used (run average)'],
];

function medianOf(runs: readonly RunRecord[], key: string): number | null {
  const xs = runs.map((r) => r[key]).filter((v): v is number => typeof v === 'number');
  return dist(xs)?.median ?? null;
}

const cell = (v: number | null): string => (v === null ? '–' : formatNumber(v));
const ratio = (a: number | null, b: number | null): string =>
  a === null || b === null || b === 0 ? '–' : (a / b).toFixed(2);

function log(msg: string): void {
  console.log(`[membership] ${msg}`);
}

export async function run(args: string[]): Promise<void> {
  const realSizes = numList(arg(args, '--real'), [16, 64, 128]);
  const runs = Math.max(1, Number(arg(args, '--runs') ?? 1));
  const usePeer = !args.includes('--no-peer');
  const installTimeoutMs = Number(arg(args, '--peer-install-timeout-s') ?? 600) * 1000;
  const timeoutMs = Number(arg(args, '--timeout-s') ?? 120) * 1000;
  const simSizes = numList(arg(args, '--sim'), [1000, 10000]);
  const dissemSizes = numList(arg(args, '--dissem'), [100, 1000]);
  const seeds = Math.max(1, Number(arg(args, '--seeds') ?? 5));
  const events = Math.max(0, Number(arg(args, '--events') ?? 3));
  const simCapMs = Number(arg(args, '--sim-cap-s') ?? 120) * 1000;
  const postCapMs = Number(arg(args, '--post-cap-s') ?? 150) * 1000;
  const resultsName = arg(args, '--name') ?? 'membership';
  const warmSizes = numList(arg(args, '--warm'), [1000, 10000]);
  const warmJoiners = Math.max(1, Number(arg(args, '--warm-joiners') ?? 10));
  const warmCapMs = Number(arg(args, '--warm-cap-s') ?? 1800) * 1000;
  if (!/^[a-z0-9-]+$/.test(resultsName)) throw new Error(`--name must be [a-z0-9-]+, got "${resultsName}"`);
  const cfg = lanConfig();
  const command = `npm run bench -- membership ${args.join(' ')}`.trim();
  const wall0 = performance.now();

  // ---- 2a. peer config (first call may install the peer)
  let peerCfg: PeerConfig = { ok: false, reason: 'skipped (--no-peer)' };
  let cfgRows: ConfigRow[] = [];
  if (usePeer && realSizes.length > 0) {
    log('memberlist peer: run.sh -config (may apt-install Go + memberlist)');
    peerCfg = await peerConfig(installTimeoutMs);
    if (peerCfg.ok) cfgRows = compareConfig(peerCfg.config, cfg);
    else log(`peer unavailable: ${peerCfg.reason}`);
  }

  // ---- 1 + 2. real nodes and the peer, size by size
  const real: RealSize[] = [];
  let basePort = 21000;
  for (const k of realSizes) {
    const ours: RunRecord[] = [];
    for (let r = 0; r < runs; r++) {
      log(`hearsay real K=${k} run ${r}`);
      const rec = await realRun(k, r, { timeoutMs, settleMs: 2000, windowMs: 5000 }, cfg);
      log(JSON.stringify(rec));
      ours.push(rec);
      await new Promise((res) => setTimeout(res, 1000));
    }
    let peer: RealSize['peer'] = { ok: false, reason: peerCfg.ok ? 'not run' : peerCfg.reason };
    if (usePeer && peerCfg.ok) {
      log(`memberlist K=${k} runs ${runs} base-port ${basePort}`);
      peer = await peerRuns(k, runs, basePort, runs * (4 * timeoutMs + 30_000) + 60_000);
      if (peer.ok) for (const p of peer.runs) log(JSON.stringify(p));
      else log(`peer failed: ${peer.reason}`);
      basePort += k * runs;
    }
    real.push({ k, ours, peer });
  }

  // ---- 3 + 4. simulation
  const sizes = [...new Set([...simSizes, ...dissemSizes])].sort((a, b) => a - b);
  const trials: SimTrial[] = [];
  const skipped: string[] = [];
  let giveUpAbove = Number.POSITIVE_INFINITY;
  let prev: SimTrial | null = null;
  for (const n of sizes) {
    if (n > giveUpAbove) {
      skipped.push(
        `n = ${n}: skipped, a smaller size did not converge within its ${simCapMs / 1000} s wall cap`,
      );
      continue;
    }
    const predictedMs = prev === null ? 0 : prev.joinWallS * 1000 * (n / prev.n);
    if (prev !== null && predictedMs > simCapMs) {
      skipped.push(
        `n = ${n}: skipped, predicted join wall time ≥ ${(predictedMs / 1000).toFixed(0)} s ` +
          `(n = ${prev.n} took ${prev.joinWallS.toFixed(1)} s, scaled linearly) exceeds the ${simCapMs / 1000} s cap`,
      );
      continue;
    }
    const deadline = performance.now() + simCapMs;
    const nSeeds = dissemSizes.includes(n) ? seeds : 1;
    for (let s = 1; s <= nSeeds; s++) {
      if (performance.now() > deadline) {
        skipped.push(`n = ${n}: ${s - 1} of ${nSeeds} seeds fit in the ${simCapMs / 1000} s wall cap`);
        break;
      }
      log(`sim n=${n} seed ${s}`);
      const t = await simTrial(n, s, {
        events: dissemSizes.includes(n) ? events : 0,
        deadline,
        postJoinMs: postCapMs,
        maxJoinVirtualMs: 600_000,
        maxDetectVirtualMs: 300_000,
        detect: true,
        progress: (p) => log(`sim n=${n} seed ${s} joining: ${JSON.stringify(p)}`),
      });
      log(JSON.stringify(t));
      trials.push(t);
      if (s === 1 && t.converged) prev = t;
      if (!t.converged) {
        if (s === 1) giveUpAbove = n;
        break;
      }
    }
  }

  // ---- 5. warm starts: a converged cluster that J nodes join
  const warmTrials: SimTrial[] = [];
  for (const n of warmSizes) {
    log(`sim warm n=${n}: ${n - warmJoiners} start converged, ${warmJoiners} join`);
    const t = await simTrial(n, 1, {
      events,
      deadline: performance.now() + warmCapMs,
      postJoinMs: warmCapMs,
      maxJoinVirtualMs: 600_000,
      maxDetectVirtualMs: 300_000,
      detect: true,
      warmJoiners,
      progress: (p) => log(`sim warm n=${n} joining: ${JSON.stringify(p)}`),
    });
    log(JSON.stringify(t));
    warmTrials.push(t);
  }

  // ---- markdown
  const title = resultsName === 'membership' ? 'membership' : `${resultsName} (membership)`;
  const md: string[] = [`## ${title} (SWIM + Lifeguard)`, ''];
  md.push(
    `Command: \`${command}\`. Defaults: \`--real 16,64,128 --runs 1 --sim 1000,10000 --dissem 100,1000 ` +
      '--seeds 5 --events 3 --sim-cap-s 120 --post-cap-s 150` (add `--no-peer` to skip memberlist). ' +
      `Total wall time of this run: ${((performance.now() - wall0) / 1000).toFixed(0)} s.`,
    '',
  );
  md.push('### Config: our lanConfig() vs memberlist DefaultLANConfig()', '');
  if (cfgRows.length > 0) {
    const diffs = cfgRows.filter((r) => r.same === false);
    md.push(
      'From `run.sh -config`. ' +
        (diffs.length === 0
          ? 'Every timing tunable matches.'
          : `Differences: ${diffs.map((d) => d.tunable).join(', ')}.`),
      '',
      table(
        ['tunable', 'memberlist', 'ours', 'same'],
        cfgRows.map((r) => [
          r.tunable,
          r.memberlist,
          r.ours,
          r.same === null ? 'n/a' : r.same ? 'yes' : '**no**',
        ]),
      ),
      '',
    );
  } else {
    md.push(`memberlist config not available: ${peerCfg.ok ? 'no rows' : peerCfg.reason}.`, '');
  }
  if (real.length > 0) {
    md.push(
      '### Real UDP nodes in one process vs memberlist',
      '',
      'K nodes on 127.0.0.1 in one process each (ours: Node, `UdpTransport` + `realRuntime` + `lanConfig()`; ' +
        'memberlist: Go, `DefaultLANConfig()`), nodes 1..K−1 join node 0 concurrently; node K−1 is stopped ' +
        'abruptly, then node K−2 leaves gracefully. Definitions are those of `peers/memberlist/main.go` ' +
        '(10 ms polling; "drops it" = no longer listed as alive/suspect). Median over runs; ratio = ours / memberlist ' +
        `(< 1: we are faster / send less). Peer: \`../shared/peers/memberlist/run.sh -k K -runs ${runs} -base-port P\`.`,
      '',
    );
    for (const r of real) {
      const oursOk = r.ours.filter((x) => x.error === undefined);
      const peerOk = r.peer.ok ? r.peer.runs : [];
      md.push(
        `**K = ${r.k}** (ours: ${oursOk.length}/${r.ours.length} runs ok; memberlist: ${
          r.peer.ok ? `${peerOk.length} runs ok` : `peer unavailable: ${r.peer.reason}`
        })`,
      );
      for (const e of r.ours)
        if (typeof e.error === 'string') md.push('', `ours, run ${e.run}: error: ${e.error}`);
      if (r.peer.ok) for (const e of r.peer.errors) md.push('', `memberlist error: ${e}`);
      const outliers = COMPARED.filter(([key]) => key.endsWith('_s')).flatMap(([key, label]) => {
        const a = medianOf(oursOk, key);
        const b = medianOf(peerOk, key);
        if (a === null || b === null) return [];
        const hi = Math.max(a, b);
        const lo = Math.min(a, b);
        return hi > 10 && hi > 10 * lo
          ? [`${label}: ${b > a ? 'memberlist' : 'ours'} ${formatNumber(hi)} s`]
          : [];
      });
      if (outliers.length > 0) {
        md.push(
          '',
          `Outliers (one side > 10 s and > 10× the other): ${outliers.join('; ')}. A single node's view stayed ` +
            'incomplete that long in this run; use `--runs 3` for medians.',
        );
      }
      md.push(
        '',
        table(
          ['metric', 'ours', 'memberlist', 'ours / memberlist'],
          COMPARED.map(([key, label]) => {
            const a = medianOf(oursOk, key);
            const b = medianOf(peerOk, key);
            return [label, cell(a), cell(b), ratio(a, b)];
          }),
        ),
        '',
      );
    }
  }
  if (trials.length > 0) {
    md.push(
      '### Simulated join and failure detection',
      '',
      'SimNetwork (healthy LAN links, 0.5–1.5 ms one-way), `lanConfig()`; all n nodes start at once and ' +
        '`joinWithRetry` through 3 seeds; converged = every node shows n alive and all checksums are equal (checked every 100 virtual ms, so join times have 100 ms resolution). ' +
        'Then a non-seed node crashes; detection = virtual time until the first / last survivor emits `fail`. ' +
        `Wall cap ${simCapMs / 1000} s per size (all seeds).`,
      '',
      table(
        [
          'n',
          'seed',
          'converged',
          'join virtual s',
          'join wall s',
          'detect first virtual s',
          'detect all virtual s',
          'trial wall s',
          'note',
        ],
        trials.map((t) => [
          t.n,
          t.seed,
          t.converged ? 'yes' : 'no',
          t.joinVirtualS,
          t.joinWallS,
          cell(t.detectFirstS),
          cell(t.detectAllS),
          t.wallS,
          t.note,
        ]),
      ),
      '',
    );
    for (const s of skipped) md.push(`- ${s}`);
    if (skipped.length > 0) md.push('');
  }
  const dissemRows: (string | number)[][] = [];
  const dissemSummary: Record<string, unknown>[] = [];
  for (const n of dissemSizes) {
    const ds = trials.filter((t) => t.n === n).flatMap((t) => t.dissem.filter((d) => !d.cut));
    const done = ds.map((d) => d.rounds).filter((x): x is number => x !== null);
    const d = dist(done);
    const bound = rumorBoundRounds(n);
    dissemSummary.push({ n, trials: ds.length, complete: done.length, rounds: d, boundRounds: bound });
    dissemRows.push([
      n,
      new Set(trials.filter((t) => t.n === n && t.dissem.length > 0).map((t) => t.seed)).size,
      `${done.length}/${ds.length}`,
      cell(d?.mean ?? null),
      cell(d?.median ?? null),
      cell(d?.max ?? null),
      bound,
      d === null ? '–' : (d.mean / bound).toFixed(2),
    ]);
  }
  const cutEvents = trials.flatMap((t) => t.dissem).filter((d) => d.cut).length;
  if (dissemSizes.length > 0) {
    md.push(
      '### Dissemination of a user event vs theory',
      '',
      `After convergence (+2 virtual s) a random node calls \`sendUserEvent\`; time until every other node emitted ` +
        `the \`user\` event, in gossip rounds (virtual ms ÷ gossipIntervalMs = ${cfg.gossipIntervalMs} ms). Bound: ` +
        'push-pull rumor spreading, log3 n + ln ln n rounds (Karp et al. 2000). Ours rides on gossip (fan-out ' +
        `${cfg.gossipNodes} every ${cfg.gossipIntervalMs} ms) and on probe piggybacking, push only. ` +
        'The mean is sensitive to single slow events (see max); the median is the typical case.',
      '',
      table(
        [
          'n',
          'seeds',
          'events complete',
          'mean rounds',
          'median rounds',
          'max rounds',
          'log3 n + ln ln n',
          'mean / bound',
        ],
        dissemRows,
      ),
      '',
    );
    if (cutEvents > 0) md.push(`${cutEvents} user event(s) cut short by the wall cap are left out.`, '');
  }
  if (warmTrials.length > 0) {
    const rounds = (t: SimTrial): string => {
      const d = dist(t.dissem.map((e) => e.rounds).filter((x): x is number => x !== null));
      return d === null ? '–' : `${formatNumber(d.median)} (${formatNumber(d.min)}–${formatNumber(d.max)})`;
    };
    md.push(
      '### Simulated warm clusters: J nodes join a converged cluster',
      '',
      `The first n − ${warmJoiners} nodes start converged (\`MembershipInit.knownMembers\`: all of them alive at ` +
        `incarnation 1, no events, no broadcasts) and the last ${warmJoiners} start empty and \`joinWithRetry\` ` +
        'through 3 of them; join = virtual time until every node shows n alive and all checksums are equal ' +
        '(100 ms resolution). Then the user events and the crash of a non-seed, non-joining node as above. ' +
        'This is how a large cluster grows in practice; a join storm of all n at once is the table above ' +
        `(10,000 at once did not finish its push/pull phase in 40 min of CPU: docs/membership-sim-results.md). Wall cap ${warmCapMs / 1000} s per phase.`,
      '',
      table(
        [
          'n',
          'joining',
          'converged',
          'join virtual s',
          'user event rounds, median (min–max)',
          'log3 n + ln ln n',
          'detect first virtual s',
          'detect all virtual s',
          'trial wall s',
          'note',
        ],
        warmTrials.map((t) => [
          t.n,
          t.joiners,
          t.converged ? 'yes' : 'no',
          t.joinVirtualS,
          rounds(t),
          rumorBoundRounds(t.n),
          cell(t.detectFirstS),
          cell(t.detectAllS),
          t.wallS,
          t.note,
        ]),
      ),
      '',
    );
  }
  const env = environment();
  md.push(
    `Environment: Node ${env.node}, ${env.cpus} × ${env.cpuModel}, ${env.date}. Raw per-run records: ` +
      `\`bench/results/${resultsName}.json\`.`,
  );

  writeResult(
    resultsName,
    {
      command,
      args: {
        realSizes,
        runs,
        usePeer,
        timeoutMs,
        simSizes,
        dissemSizes,
        seeds,
        events,
        simCapMs,
        warmSizes,
        warmJoiners,
      },
      config: cfg,
      peerConfig: peerCfg,
      configComparison: cfgRows,
      real,
      sim: { trials, skipped, dissem: dissemSummary },
      warm: { joiners: warmJoiners, capMs: warmCapMs, trials: warmTrials },
    },
    md.join('\n'),
  );
}
