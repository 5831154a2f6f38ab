import fc from 'fast-check';
import type { MerkleConfig } from '../../../src/antientropy/index.js';

/** Shapes from the degenerate (one segment) to the default, including a remainder fan-out at the root. */
export const configArb: fc.Arbitrary<MerkleConfig> = fc.constantFrom(
  { segments: 1, branching: 2 },
  { segments: 2, branching: 256 },
  { segments: 8, branching: 2 },
  { segments: 32, branching: 4 },
  { segments: 64, branching: 8 },
  { segments: 1024, branching: 16 },
);

/** A small key universe, so random operations overwrite and delete the same keys often. */
export const keyArb: fc.Arbitrary<string> = fc.integer({ min: 0, max: 40 }).map((i) => `key:${i}`);

/** Short versions from a small alphabet: distinct keys often share a version, as real sets do. */
export const versionArb: fc.Arbitrary<Uint8Array> = fc.uint8Array({ minLength: 0, maxLength: 4, max: 3 });

/** A set of entries with unique keys, as a storage scan of one partition yields them. */
export const entriesArb: fc.Arbitrary<[string, Uint8Array][]> = fc.uniqueArray(fc.tuple(keyArb, versionArb), {
  selector: ([key]) => key,
  maxLength: 40,
});

/** Every hash of every level, for comparing whole trees (inner nodes included). */
export function allHashes(tree: {
  levels: number;
  shape: { widthOf(level: number): number };
  hashesAt(level: number, indexes: readonly number[]): Uint8Array[];
}): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  for (let level = 0; level < tree.levels; level++) {
    out.push(
      tree.hashesAt(
        level,
        Array.from({ length: tree.shape.widthOf(level) }, (_, i) => i),
      ),
    );
  }
  return out;
}

/** Mulberry32: a tiny seeded PRNG for the large fixed scenarios. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}
