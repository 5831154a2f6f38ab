/**
 * `npm run sim -- --seeds N [--from S] [--fault-ms MS] [--verbose]`: the store's seeded fault runs at scale
 * (test/sim/kv/fault-run.ts), beyond the seeds `npm test` runs. Prints every failing seed with the command
 * that replays it, the stale reads found under sloppy quorums, and totals; exits 1 if any seed failed.
 */
import { runFaultSeed } from './fault-run.js';
import { failureOf } from './verdict.js';

interface Args {
  seeds: number;
  from: number;
  faultMs: number;
  verbose: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { seeds: 100, from: 1, faultMs: 20_000, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const int = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) {
        console.error(`${flag} needs a non-negative integer`);
        process.exit(2);
      }
      return v;
    };
    if (flag === '--seeds') args.seeds = int();
    else if (flag === '--from') args.from = int();
    else if (flag === '--fault-ms') args.faultMs = int();
    else if (flag === '--verbose') args.verbose = true;
    else {
      console.error(
        `unknown argument ${flag}; usage: npm run sim -- --seeds N [--from S] [--fault-ms MS] [--verbose]`,
      );
      process.exit(2);
    }
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  let failed = 0;
  let staleSeeds = 0;
  let acked = 0;
  let linOps = 0;
  for (let seed = args.from; seed < args.from + args.seeds; seed++) {
    const r = await runFaultSeed(seed, { faultMs: args.faultMs });
    acked += r.sets.acked;
    linOps += r.lin.ops;
    const why = failureOf(r);
    if (why !== undefined) {
      failed++;
      console.log(
        `FAIL seed=${seed}: ${why}\n  replay: HEARSAY_SEED=${seed} npx vitest run test/sim/kv/replay.test.ts`,
      );
    }
    if (r.reg.stale.length > 0) {
      staleSeeds++;
      const s = r.reg.stale[0];
      console.log(
        `stale read (sloppy, W+R>N) seed=${seed}: ${r.reg.stale.length} found; first: read of ${s?.key} at ${s?.readAtMs} ms returned ${JSON.stringify(s?.returned)}, missing ${s?.missed} acked at ${s?.missedAckMs} ms`,
      );
    }
    if (args.verbose) console.log(JSON.stringify({ ...r, faults: r.faults }));
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(
    `${args.seeds} seeds (${args.from}..${args.from + args.seeds - 1}) in ${secs} s: ${failed} failed; ${acked} acknowledged set writes checked; ${linOps} strict operations checked; ${staleSeeds} seeds with stale reads under sloppy quorums`,
  );
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
