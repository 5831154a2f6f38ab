import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TreeShape } from '../../../src/antientropy/index.js';

const widths = (shape: TreeShape): number[] =>
  Array.from({ length: shape.levels }, (_, level) => shape.widthOf(level));

/** Any valid config: segments 2^0 … 2^16, branching 2^1 … 2^8. */
const configArb = fc.record({
  segments: fc.integer({ min: 0, max: 16 }).map((bits) => 2 ** bits),
  branching: fc.integer({ min: 1, max: 8 }).map((bits) => 2 ** bits),
});

describe('TreeShape (levels from the root down; the root takes the remainder fan-out)', () => {
  it('gives the documented widths', () => {
    expect(widths(new TreeShape({ segments: 1024, branching: 16 }))).toEqual([1, 4, 64, 1024]);
    expect(widths(new TreeShape({ segments: 4096, branching: 16 }))).toEqual([1, 16, 256, 4096]);
    expect(widths(new TreeShape({ segments: 1024, branching: 2 }))).toHaveLength(11);
    expect(widths(new TreeShape({ segments: 8, branching: 16 }))).toEqual([1, 8]);
    expect(widths(new TreeShape({ segments: 16, branching: 16 }))).toEqual([1, 16]);
    expect(widths(new TreeShape({ segments: 1, branching: 16 }))).toEqual([1]);
  });

  it('for any config: one root, segments leaves, full fan-out below the root, root fan-out in [2, branching]', () => {
    fc.assert(
      fc.property(configArb, (config) => {
        const shape = new TreeShape(config);
        const w = widths(shape);
        expect(w[0]).toBe(1);
        expect(w[shape.leafLevel]).toBe(config.segments);
        expect(shape.levels).toBe(1 + Math.ceil(Math.log2(config.segments) / Math.log2(config.branching)));
        for (let level = 0; level < shape.leafLevel; level++) {
          const fanout = shape.fanoutOf(level);
          expect(fanout * (w[level] as number)).toBe(w[level + 1]);
          if (level > 0) expect(fanout).toBe(config.branching);
          else expect(fanout >= 2 && fanout <= config.branching).toBe(true);
        }
        expect(shape.fanoutOf(shape.leafLevel)).toBe(0);
      }),
    );
  });

  it("the children of a level's nodes partition the next level, in order", () => {
    fc.assert(
      fc.property(configArb, (config) => {
        const shape = new TreeShape(config);
        for (let level = 0; level < shape.leafLevel; level++) {
          const all: number[] = [];
          for (let i = 0; i < shape.widthOf(level); i++) all.push(...shape.childrenOf(level, i));
          expect(all).toEqual(Array.from({ length: shape.widthOf(level + 1) }, (_, i) => i));
        }
        expect(shape.childrenOf(shape.leafLevel, 0)).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });

  it('rejects nodes that do not exist', () => {
    const shape = new TreeShape({ segments: 64, branching: 4 });
    expect(shape.childrenOf(3, 0)).toEqual([]);
    expect(() => shape.childrenOf(4, 0)).toThrow('level must be an integer in [0, 4), got 4');
    expect(() => shape.childrenOf(1, 4)).toThrow('node index must be an integer in [0, 4), got 4');
    expect(() => shape.childrenOf(1, -1)).toThrow(RangeError);
    expect(shape.hasNode(3, 63)).toBe(true);
    expect(shape.hasNode(3, 64)).toBe(false);
    expect(shape.hasNode(0.5, 0)).toBe(false);
  });
});
