/**
 * `npm run sim -- --seeds N [--from S] [--fault-ms MS] [--workers W] [--verbose]`: the store's seeded fault
 * runs at scale (test/sim/store/fault-run.ts), beyond the seeds `npm test` runs. Seeds are spread over W worker
 * threads (default: one per core); every failing seed is printed with the command that replays it, with the
 * stale reads found under sloppy quorums, a progress line every 10 s, and totals; exits 1 if any seed failed.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { type FaultRunReport, runFaultSeed } from './fault-run.js';
import { failureOf } from './verdict.js';

interface Args {
  seeds: number;
  from: number;
  faultMs: number;
  workers: number;
  verbose: boolean;
}

const USAGE = 'usage: npm run sim -- --seeds N [--from S] [--fault-ms MS] [--workers W] [--verbose]';
const PROGRESS_MS = 10_000;

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    seeds: 100,
    from: 1,
    faultMs: 20_000,
    workers: Math.max(1, availableParallelism()),
    verbose: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const int = (min: number): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < min || v > 0xffff_ffff) {
        console.error(`${flag} needs an integer ≥ ${min}; ${USAGE}`);
        process.exit(2);
      }
      return v;
    };
    if (flag === '--seeds') args.seeds = int(0);
    else if (flag === '--from') args.from = int(0);
    else if (flag === '--fault-ms') args.faultMs = int(1);
    else if (flag === '--workers') args.workers = int(1);
    else if (flag === '--verbose') args.verbose = true;
    else {
      console.error(`unknown argument ${flag}; ${USAGE}`);
      process.exit(2);
    }
  }
  return args;
}

/** What a worker sends back per seed: the report, or the error that escaped it (always a bug). */
type SeedMessage =
  | { readonly seed: number; readonly report: FaultRunReport }
  | { readonly seed: number; readonly thrown: string };

/** Worker thread: runs every seed in its list, one after another, and posts each result. */
async function worker(): Promise<void> {
  const { seeds, faultMs } = workerData as { seeds: number[]; faultMs: number };
  for (const seed of seeds) {
    let msg: SeedMessage;
    try {
      msg = { seed, report: await runFaultSeed(seed, { faultMs }) };
    } catch (err) {
      msg = { seed, thrown: (err as Error).stack ?? String(err) };
    }
    parentPort?.postMessage(msg);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const t0 = Date.now();
  const all = Array.from({ length: args.seeds }, (_, i) => args.from + i);
  const workers = Math.min(args.workers, Math.max(1, all.length));
  let done = 0;
  let failed = 0;
  let staleSeeds = 0;
  let acked = 0;
  let strictOps = 0;
  const onResult = (msg: SeedMessage): void => {
    done++;
    const replay = `  replay: HEARSAY_SEED=${msg.seed} npx vitest run test/sim/store/replay.test.ts (logs: HEARSAY_SIM_LOG=debug)`;
    if ('thrown' in msg) {
      failed++;
      console.log(`FAIL seed=${msg.seed}: threw ${msg.thrown}\n${replay}`);
      return;
    }
    const r = msg.report;
    acked += r.sets.acked;
    strictOps += r.lin.ops + r.hot.ops;
    const why = failureOf(r);
    if (why !== undefined) {
      failed++;
      console.log(`FAIL seed=${r.seed}: ${why}\n${replay}`);
    }
    if (r.reg.stale.length > 0) {
      staleSeeds++;
      const s = r.reg.stale[0];
      console.log(
        `stale read (sloppy, W+R>N) seed=${r.seed}: ${r.reg.stale.length} found; first: read of ${s?.key} at ${s?.readAtMs} ms returned ${JSON.stringify(s?.returned)}, missing ${s?.missed} acked at ${s?.missedAckMs} ms`,
      );
    }
    if (args.verbose) console.log(JSON.stringify(r));
  };
  const progress = setInterval(() => {
    const secs = (Date.now() - t0) / 1000;
    const eta = done === 0 ? '?' : `${Math.round((secs / done) * (all.length - done))} s`;
    console.log(`… ${done}/${all.length} seeds in ${secs.toFixed(0)} s, ${failed} failed, ETA ${eta}`);
  }, PROGRESS_MS);
  progress.unref();
  const self = fileURLToPath(import.meta.url);
  await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const seeds = all.filter((_, i) => i % workers === w);
      return new Promise<void>((resolve) => {
        const t = new Worker(self, { workerData: { seeds, faultMs: args.faultMs } });
        t.on('message', onResult);
        t.on('error', (err) => {
          failed++;
          console.log(`FAIL worker ${w} died: ${err.stack ?? String(err)}`);
        });
        t.on('exit', () => resolve());
      });
    }),
  );
  clearInterval(progress);
  if (done < all.length) {
    failed += all.length - done;
    console.log(`FAIL ${all.length - done} seeds never reported (a worker died)`);
  }
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(
    `${args.seeds} seeds (${args.from}..${args.from + args.seeds - 1}) on ${workers} workers in ${secs} s: ${failed} failed; ${acked} acknowledged set writes checked; ${strictOps} strict operations checked; ${staleSeeds} seeds with stale reads under sloppy quorums`,
  );
  process.exitCode = failed > 0 ? 1 : 0;
}

if (isMainThread) await main();
else await worker();
