import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/runtime/random.js';
import { decodePacket, encodePacket } from '../../../src/wire/codec.js';
import { DECODE_ERROR_KINDS, DecodeStats } from '../../../src/wire/decode-error.js';
import { FUZZ_CLUSTER, fuzzCorpus, fuzzInput } from './fuzz-inputs.js';

const SEED = 0x5eed;
const INPUTS = 20_000;

describe('decodePacket under fuzzing', () => {
  it(`never throws on ${INPUTS} random and mutated packets (seed ${SEED}), and reports only known kinds`, () => {
    const rng = seededRandom(SEED);
    const corpus = fuzzCorpus(rng);
    const stats = new DecodeStats();
    const known = new Set<string>(DECODE_ERROR_KINDS);
    for (let i = 0; i < INPUTS; i++) {
      const input = fuzzInput(rng, corpus);
      let result: ReturnType<typeof decodePacket>;
      try {
        result = decodePacket(input, { cluster: FUZZ_CLUSTER, stats });
      } catch (err) {
        throw new Error(
          `seed ${SEED} input ${i} threw ${String(err)}: ${Buffer.from(input).toString('hex')}`,
        );
      }
      if (!result.ok) {
        expect(known.has(result.error.kind)).toBe(true);
        continue;
      }
      // Whatever is accepted is a valid packet: re-encoding it gives the same envelope back.
      const { envelope } = result;
      // Only kinds from the future (skipped): accepted, but nothing to re-encode.
      if (envelope.messages.length === 0) {
        expect(result.unknownMessages).toBeGreaterThan(0);
        continue;
      }
      const again = decodePacket(encodePacket(envelope, envelope.messages), {
        cluster: FUZZ_CLUSTER,
        maxBytes: 1 << 20,
      });
      expect(again.ok && again.envelope).toEqual(envelope);
    }
    expect(stats.packets + stats.droppedPackets()).toBe(INPUTS);
    // The mutations must reach past the parser, or the fuzzer tests little: expect some of each outcome.
    expect(stats.packets).toBeGreaterThan(INPUTS / 100);
    console.log(`fuzz seed ${SEED}: ${stats.packets} accepted, dropped ${JSON.stringify(stats.errors)}`);
    expect(stats.errors.malformed).toBeGreaterThan(INPUTS / 10);
    expect(stats.errors['invalid-field']).toBeGreaterThan(0);
  });
});
