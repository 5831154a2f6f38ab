import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BRANCHING,
  DEFAULT_SEGMENTS,
  MAX_BRANCHING,
  MAX_SEGMENTS,
  MerkleTree,
  merkleConfig,
} from '../../../src/antientropy/index.js';

describe('MerkleConfig', () => {
  it('defaults to 1024 segments with branching 16', () => {
    expect(merkleConfig()).toEqual({ segments: DEFAULT_SEGMENTS, branching: DEFAULT_BRANCHING });
    expect(new MerkleTree().config).toEqual({ segments: 1024, branching: 16 });
  });

  it.each([0, -4, 3, 1000, 1.5, Number.NaN, 2 * MAX_SEGMENTS, 2 ** 32])(
    'rejects segments = %s with a RangeError naming the field and the rule',
    (segments) => {
      expect(() => new MerkleTree({ segments })).toThrow(RangeError);
      expect(() => new MerkleTree({ segments })).toThrow(
        `segments must be a power of two in [1, ${MAX_SEGMENTS}], got ${segments}`,
      );
    },
  );

  it.each([1, 0, 3, 12, 2 * MAX_BRANCHING, -2, 2.5])(
    'rejects branching = %s with a RangeError naming the field and the rule',
    (branching) => {
      expect(() => new MerkleTree({ branching })).toThrow(RangeError);
      expect(() => new MerkleTree({ branching })).toThrow(
        `branching must be a power of two in [2, ${MAX_BRANCHING}], got ${branching}`,
      );
    },
  );

  it('accepts the extremes: one segment, and the largest segment count and branching', () => {
    expect(new MerkleTree({ segments: 1 }).levels).toBe(1);
    expect(new MerkleTree({ segments: 2, branching: MAX_BRANCHING }).levels).toBe(2);
    expect(new MerkleTree({ segments: MAX_SEGMENTS, branching: 2 }).levels).toBe(21);
  });
});
