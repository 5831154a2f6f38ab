/**
 * `npm run fuzz [-- --count N --seconds S --seed N]`: feeds random bytes and mutated valid packets
 * (test/unit/wire/fuzz-inputs.ts) into decodePacket until N inputs or S seconds, whichever comes first
 * (default 2,000,000 or 60 s). Any exception, or an error kind outside DECODE_ERROR_KINDS, prints the seed,
 * the input index and the input as hex, and exits 1. Runs as a plain script.
 */
import { seededRandom } from '../src/runtime/random.js';
import { decodePacket } from '../src/wire/codec.js';
import { DECODE_ERROR_KINDS, DecodeStats } from '../src/wire/decode-error.js';
import { FUZZ_CLUSTER, fuzzCorpus, fuzzInput } from '../test/unit/wire/fuzz-inputs.js';

interface FuzzArgs {
  readonly count: number;
  readonly seconds: number;
  readonly seed: number;
}

function parseArgs(argv: readonly string[]): FuzzArgs {
  const value = (flag: string, fallback: number): number => {
    const i = argv.indexOf(flag);
    if (i < 0) return fallback;
    const v = Number(argv[i + 1]);
    if (!Number.isFinite(v) || v < 0) {
      console.error(`${flag} needs a non-negative number`);
      process.exit(2);
    }
    return v;
  };
  return {
    count: value('--count', 2_000_000),
    seconds: value('--seconds', 60),
    // A fresh seed per run explores new inputs; it is printed so a failure replays with --seed.
    seed: value('--seed', Date.now() % 0x100000000) >>> 0,
  };
}

function main(): void {
  const { count, seconds, seed } = parseArgs(process.argv.slice(2));
  console.log(`fuzz: seed ${seed}, up to ${count} inputs or ${seconds} s`);
  const rng = seededRandom(seed);
  const corpus = fuzzCorpus(rng, 256);
  const stats = new DecodeStats();
  const known = new Set<string>(DECODE_ERROR_KINDS);
  const deadline = performance.now() + seconds * 1000;
  let i = 0;
  for (; i < count; i++) {
    if ((i & 1023) === 0 && performance.now() > deadline) break;
    const input = fuzzInput(rng, corpus);
    let failure: string | null = null;
    try {
      const result = decodePacket(input, { cluster: FUZZ_CLUSTER, stats });
      if (!result.ok && !known.has(result.error.kind)) failure = `unknown error kind ${result.error.kind}`;
    } catch (err) {
      failure = `threw ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
    }
    if (failure !== null) {
      console.error(`fuzz FAILED: seed ${seed}, input ${i}: ${failure}`);
      console.error(`input (${input.length} bytes): ${Buffer.from(input).toString('hex')}`);
      process.exit(1);
    }
  }
  console.log(
    `fuzz: ${i} inputs, no exceptions; ${stats.packets} accepted; dropped ${JSON.stringify(stats.errors)}`,
  );
}

main();
