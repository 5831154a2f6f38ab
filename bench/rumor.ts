/**
 * `npm run bench -- rumor [args]`: data rumor mongering (src/antientropy/rumor-monger.ts, Demers et al. 1987
 * §1.4, push + feedback + counter) of one update among n simulated nodes, every node a peer of every other
 * (the global namespace, DESIGN.md §10), for each counter k. Per k: residue (fraction never reached),
 * pushes per node, rounds to reach all, rounds until the rumor died out, beside Demers' residue
 * s = e^{−(k+1)(1−s)} and the log3 n + ln ln n / log2 n + ln n round bounds.
 *
 * Args (defaults in brackets):
 *   --n N          nodes [1000]
 *   --k 1,2,3      counters to run [1,2,3,4,5]
 *   --seeds S      runs (seeds 1..S) per k [30]
 *   --fanout F     peers per hot rumor per round [1]
 *   --cap-s C      wall cap for all runs; remaining seeds are skipped, with a note [100]
 */
import { demersResidue } from '../src/antientropy/rumor-config.js';
import { type RumorRun, runRumor } from '../test/sim/antientropy/rumor-cluster.js';
import { arg, dist, numList } from './membership/common.js';
import { rumorBoundRounds } from './membership/sim.js';
import { environment, formatNumber, table, writeResult } from './report.js';

/** Rounds for push-only spreading without loss of interest: log2 n + ln n (Frieze & Grimmett 1985, Pittel 1987). */
function pushBoundRounds(n: number): number {
  return Math.log2(n) + Math.log(n);
}

interface KSummary {
  readonly k: number;
  readonly runs: number;
  readonly residueMean: number;
  readonly residueMin: number;
  readonly residueMax: number;
  readonly demersResidue: number;
  readonly runsReachingAll: number;
  readonly pushesPerNode: number;
  /** (k+1)(1−s) − 1/n with Demers' s: the exact count for the mean residue, in expectation. */
  readonly theoryPushesPerNode: number;
  readonly datagramsPerNode: number;
  readonly allReachedRoundsMean: number | null;
  readonly lastReachRoundsMean: number;
  readonly dieOutRoundsMean: number | null;
  readonly dieOutRoundsMax: number | null;
  readonly unfinished: number;
}

function summarize(k: number, n: number, runs: readonly RumorRun[]): KSummary {
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const residue = dist(runs.map((r) => r.residue));
  const all = runs.map((r) => r.allReachedRound).filter((x): x is number => x !== null);
  const dieOut = dist(runs.map((r) => r.dieOutRound).filter((x): x is number => x !== null));
  const s = demersResidue(k);
  return {
    k,
    runs: runs.length,
    residueMean: residue?.mean ?? Number.NaN,
    residueMin: residue?.min ?? Number.NaN,
    residueMax: residue?.max ?? Number.NaN,
    demersResidue: s,
    runsReachingAll: all.length,
    pushesPerNode: mean(runs.map((r) => r.pushes / n)),
    theoryPushesPerNode: (k + 1) * (1 - s) - 1 / n,
    datagramsPerNode: mean(runs.map((r) => r.datagrams / n)),
    allReachedRoundsMean: all.length > 0 ? mean(all) : null,
    lastReachRoundsMean: mean(runs.map((r) => r.lastReachRound)),
    dieOutRoundsMean: dieOut?.mean ?? null,
    dieOutRoundsMax: dieOut?.max ?? null,
    unfinished: runs.filter((r) => r.dieOutRound === null).length,
  };
}

const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;

export async function run(args: string[]): Promise<void> {
  const n = Math.max(2, Number(arg(args, '--n') ?? 1000));
  const ks = numList(arg(args, '--k'), [1, 2, 3, 4, 5]).filter((k) => Number.isInteger(k));
  const seeds = Math.max(1, Number(arg(args, '--seeds') ?? 30));
  const fanout = Math.max(1, Number(arg(args, '--fanout') ?? 1));
  const capMs = Number(arg(args, '--cap-s') ?? 100) * 1000;
  const intervalMs = 100;
  const command = `npm run bench -- rumor ${args.join(' ')}`.trim();
  const wall0 = performance.now();

  const perK: { k: number; runs: RumorRun[] }[] = [];
  const notes: string[] = [];
  for (const k of ks) {
    const runs: RumorRun[] = [];
    for (let seed = 1; seed <= seeds; seed++) {
      if (performance.now() - wall0 > capMs) {
        notes.push(`k = ${k}: wall cap reached after ${runs.length} of ${seeds} seeds.`);
        break;
      }
      runs.push(runRumor({ n, k, seed, fanout, intervalMs }));
    }
    if (runs.length > 0) perK.push({ k, runs });
    const sum = runs.length > 0 ? summarize(k, n, runs) : null;
    if (sum !== null) {
      console.log(
        `[rumor] n=${n} k=${k}: residue ${pct(sum.residueMean)} (Demers ${pct(sum.demersResidue)}), ` +
          `pushes/node ${sum.pushesPerNode.toFixed(3)}, reach all ${sum.runsReachingAll}/${sum.runs}, ` +
          `die out ${sum.dieOutRoundsMean?.toFixed(1) ?? '–'} rounds`,
      );
    }
  }
  const summaries = perK.map(({ k, runs }) => summarize(k, n, runs));
  const wallS = (performance.now() - wall0) / 1000;
  const cell = (v: number | null): string => (v === null ? '–' : formatNumber(v));

  const md: string[] = [
    '## rumor (data rumor mongering: push, feedback, counter)',
    '',
    `Command: \`${command}\`. n = ${formatNumber(n)} simulated nodes (SimNetwork, healthy LAN links 0.5–1.5 ms ` +
      `one way, \`runSync\`), each a \`RumorMonger\` whose peers are all other nodes (the global namespace); ` +
      `one update spread from node 0; fanout ${fanout}; one round = ${intervalMs} virtual ms on every node ` +
      `(no jitter: Demers' synchronous cycles). Seeds 1..${seeds} per k; means over seeds. Wall time ${wallS.toFixed(1)} s.`,
    '',
    table(
      [
        'k',
        'runs',
        'residue (mean)',
        'residue min–max',
        'Demers s = e^{−(k+1)(1−s)}',
        'pushes / node',
        'theory (k+1)(1−s) − 1/n',
        'datagrams / node',
        'rounds to reach all',
        'rounds to last reached (mean)',
        'rounds until died out (mean / max)',
      ],
      summaries.map((s) => [
        s.k,
        s.runs,
        pct(s.residueMean),
        `${pct(s.residueMin)} – ${pct(s.residueMax)}`,
        pct(s.demersResidue),
        s.pushesPerNode,
        s.theoryPushesPerNode,
        s.datagramsPerNode,
        s.allReachedRoundsMean === null
          ? 'never'
          : `${formatNumber(s.allReachedRoundsMean)} (${s.runsReachingAll} of ${s.runs} runs)`,
        s.lastReachRoundsMean,
        `${cell(s.dieOutRoundsMean)} / ${cell(s.dieOutRoundsMax)}${s.unfinished > 0 ? ` (${s.unfinished} unfinished)` : ''}`,
      ]),
    ),
    '',
    `Reference rounds at n = ${formatNumber(n)}: log3 n + ln ln n = ${formatNumber(rumorBoundRounds(n))} ` +
      '(push-pull, Karp et al. 2000, as in the membership section); log2 n + ln n = ' +
      `${formatNumber(pushBoundRounds(n))} (push only, never losing interest: Frieze & Grimmett 1985, Pittel 1987). ` +
      'This protocol pushes only and loses interest, so it is compared with the second; "rounds to reach all" ' +
      'averages only the runs with residue 0 ("never" when none had).',
    '',
    'Theory. Residue: Demers et al., "Epidemic algorithms for replicated database maintenance" (PODC 1987), §1.4, ' +
      'derive s = e^{−(k+1)(1−s)} for feedback with loss of interest; for the counter variant the same limit ' +
      'follows because the hot budget B = k·reached − (known answers) changes by +k with probability s and −1 ' +
      'otherwise on every push, so B(s) = (k+1)(1−s) + ln s and spreading stops at B = 0 ' +
      '(k = 1 is the Maki–Thompson rumor, s → 0.203, Sudbury 1985). Traffic: every node reached sends exactly k ' +
      'unnecessary pushes and every node but the origin was reached by one necessary push, so pushes = ' +
      '(k+1)·reached − 1 (the lower bound of Demers §1.4, "Counter vs. Coin"; met exactly here with fanout 1, ' +
      'as each answer returns within its round). Datagrams count pushes plus one feedback reply each.',
    '',
  ];
  for (const note of notes) md.push(`- ${note}`);
  if (notes.length > 0) md.push('');
  const env = environment();
  md.push(
    `Environment: Node ${env.node}, ${env.cpus} × ${env.cpuModel}, ${env.date}. Raw per-run records: ` +
      '`bench/results/rumor.json`.',
  );

  writeResult(
    'rumor',
    {
      command,
      args: { n, ks, seeds, fanout, intervalMs, capS: capMs / 1000 },
      boundRounds: { log3nPlusLnLnN: rumorBoundRounds(n), log2nPlusLnN: pushBoundRounds(n) },
      summaries,
      runs: perK.flatMap(({ runs }) => runs),
      notes,
      wallS,
    },
    md.join('\n'),
  );
}
