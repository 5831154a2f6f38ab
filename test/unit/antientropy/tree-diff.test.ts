import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareLevel,
  diffTrees,
  isValidRequest,
  type LevelRequest,
  MerkleTree,
  rootRequest,
  TreeShape,
} from '../../../src/antientropy/index.js';
import { configArb, entriesArb, keyArb, mulberry32, versionArb } from './arbitraries.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Brute force: the segments whose (key, version) sets differ, by listing every segment's entries. */
function differingSegments(
  tree: MerkleTree,
  a: Map<string, Uint8Array>,
  b: Map<string, Uint8Array>,
): number[] {
  const bySegment = (entries: Map<string, Uint8Array>): Map<number, string> => {
    const lists = new Map<number, string[]>();
    for (const [key, version] of entries) {
      const segment = tree.segmentOf(key);
      lists.set(segment, [...(lists.get(segment) ?? []), `${key}=${hex(version)}`]);
    }
    return new Map([...lists].map(([segment, list]) => [segment, list.sort().join(',')]));
  };
  const left = bySegment(a);
  const right = bySegment(b);
  const out: number[] = [];
  for (let segment = 0; segment < tree.config.segments; segment++) {
    if (left.get(segment) !== right.get(segment)) out.push(segment);
  }
  return out;
}

/** The walk's exact cost: the root, plus every child of every differing inner node. */
function expectedHashesCompared(shape: TreeShape, segments: readonly number[]): number {
  if (segments.length === 0) return 1;
  let total = 1;
  let nodes = new Set(segments);
  for (let level = shape.leafLevel - 1; level >= 0; level--) {
    const shift = Math.log2(shape.fanoutOf(level));
    nodes = new Set([...nodes].map((index) => index >>> shift));
    total += nodes.size * shape.fanoutOf(level);
  }
  return total;
}

const mutationArb = fc.array(fc.tuple(keyArb, fc.option(versionArb, { nil: undefined })), { maxLength: 12 });

describe('diffTrees (top-down walk, descending only where hashes differ)', () => {
  it('returns exactly the segments whose entry sets differ, at the cost the walk predicts', () => {
    fc.assert(
      fc.property(configArb, entriesArb, mutationArb, (config, entries, mutations) => {
        const a = new Map(entries);
        const b = new Map(entries);
        for (const [key, version] of mutations) {
          if (version === undefined) b.delete(key);
          else b.set(key, version);
        }
        const treeA = MerkleTree.build(a, config);
        const treeB = MerkleTree.build(b, config);
        const expected = differingSegments(treeA, a, b);
        const diff = diffTrees(treeA, treeB);
        expect(diff.segments).toEqual(expected);
        expect(diff.hashesCompared).toBe(expectedHashesCompared(treeA.shape, expected));
        expect(diff.roundTrips).toBe(expected.length === 0 ? 1 : treeA.levels);
        expect(diffTrees(treeB, treeA).segments).toEqual(expected);
      }),
    );
  });

  it('refuses trees of different shapes', () => {
    expect(() => diffTrees(new MerkleTree({ segments: 64 }), new MerkleTree())).toThrow(
      'trees differ in shape: 64/16 vs 1024/16',
    );
  });

  it('hashes compared grow with the differences d, not with the 100,000 keys', () => {
    const keys = 100_000;
    const random = mulberry32(6);
    const version = (i: number, generation: number): Uint8Array =>
      new TextEncoder().encode(`v${generation}:${i}`);
    const entries = Array.from({ length: keys }, (_, i) => [`key:${i}`, version(i, 0)] as const);
    const a = MerkleTree.build(entries);
    const b = MerkleTree.build(entries);
    const touched = new Set<number>();
    const touchedSegments = new Set<number>();
    const rows: { d: number; segments: number; hashesCompared: number; roundTrips: number }[] = [];
    for (const d of [1, 10, 100, 1000]) {
      // Add differences on fresh keys until there are d: a changed version, a delete, or a key only b has.
      while (touched.size < d) {
        const i = Math.floor(random() * keys);
        if (touched.has(i)) continue;
        touched.add(i);
        const key = `key:${i}`;
        const kind = touched.size % 3;
        if (kind === 0) b.update(key, version(i, 0), version(i, 1));
        else if (kind === 1) b.update(key, version(i, 0), undefined);
        else b.update(`extra:${i}`, undefined, version(i, 0));
        touchedSegments.add(b.segmentOf(kind === 2 ? `extra:${i}` : key));
      }
      const diff = diffTrees(a, b);
      expect(diff.segments).toEqual([...touchedSegments].sort((x, y) => x - y));
      rows.push({
        d,
        segments: diff.segments.length,
        hashesCompared: diff.hashesCompared,
        roundTrips: diff.roundTrips,
      });
    }
    console.log(`M = ${keys} keys, 1024 segments, branching 16 (widths 1, 4, 64, 1024)`);
    console.table(rows);

    const { levels, config } = a;
    const [one] = rows;
    // One difference: the root, then one path (4 + 16 + 16 children), whatever M is.
    expect(one?.hashesCompared).toBe(1 + 4 + 16 + 16);
    expect(one?.hashesCompared).toBeLessThanOrEqual(levels * config.branching);
    const allNodes = 1 + 4 + 64 + 1024;
    for (const [i, row] of rows.entries()) {
      expect(row.hashesCompared).toBeLessThanOrEqual(row.d * levels * config.branching);
      expect(row.hashesCompared).toBeLessThanOrEqual(allNodes);
      expect(row.hashesCompared).toBeGreaterThanOrEqual(rows[i - 1]?.hashesCompared ?? 0);
      expect(row.roundTrips).toBe(levels);
    }
  });

  it('one difference costs the same hashes among 1,000 keys as among 100,000', () => {
    const small = Array.from({ length: 1000 }, (_, i) => [`key:${i}`, Uint8Array.of(1)] as const);
    const a = MerkleTree.build(small);
    const b = MerkleTree.build(small);
    b.update('key:500', Uint8Array.of(1), Uint8Array.of(2));
    expect(diffTrees(a, b).hashesCompared).toBe(37);
  });
});

describe('compareLevel (one round trip of the exchange)', () => {
  const shape = new TreeShape({ segments: 64, branching: 4 });
  const h = (byte: number): Uint8Array => new Uint8Array(16).fill(byte);

  it('descends into the children of the nodes that differ, in ascending order', () => {
    const request: LevelRequest = { level: 1, indexes: [0, 1, 2, 3] };
    const step = compareLevel(shape, request, [h(1), h(2), h(3), h(4)], [h(1), h(9), h(3), h(9)]);
    expect(step).toEqual({ kind: 'descend', next: { level: 2, indexes: [4, 5, 6, 7, 12, 13, 14, 15] } });
    expect(isValidRequest(shape, step.kind === 'descend' ? step.next : rootRequest())).toBe(true);
  });

  it('stops when nothing differs, and returns the differing segments at the leaf level', () => {
    expect(compareLevel(shape, rootRequest(), [h(1)], [h(1)])).toEqual({ kind: 'done', segments: [] });
    const leaves: LevelRequest = { level: 3, indexes: [8, 9, 10, 11] };
    expect(compareLevel(shape, leaves, [h(0), h(0), h(1), h(0)], [h(0), h(2), h(1), h(3)])).toEqual({
      kind: 'done',
      segments: [9, 11],
    });
  });

  it('a reply of the wrong count or hash size is a programmer error (the exchange validates first)', () => {
    expect(() => compareLevel(shape, rootRequest(), [h(1)], [])).toThrow(
      'expected 1 hashes on each side, got 1 mine and 0 theirs',
    );
    expect(() => compareLevel(shape, rootRequest(), [h(1)], [new Uint8Array(8)])).toThrow(RangeError);
  });

  it('isValidRequest accepts ascending unique existing nodes only', () => {
    expect(isValidRequest(shape, rootRequest())).toBe(true);
    expect(isValidRequest(shape, { level: 3, indexes: [0, 5, 63] })).toBe(true);
    expect(isValidRequest(shape, { level: 3, indexes: [] })).toBe(true);
    expect(isValidRequest(shape, { level: 3, indexes: [5, 0] })).toBe(false);
    expect(isValidRequest(shape, { level: 3, indexes: [5, 5] })).toBe(false);
    expect(isValidRequest(shape, { level: 3, indexes: [64] })).toBe(false);
    expect(isValidRequest(shape, { level: 4, indexes: [0] })).toBe(false);
    expect(isValidRequest(shape, { level: -1, indexes: [0] })).toBe(false);
    expect(isValidRequest(shape, { level: 1, indexes: [0.5] })).toBe(false);
  });

  it('over a simulated exchange, the responder answers only valid requests and the walk matches diffTrees', () => {
    fc.assert(
      fc.property(configArb, entriesArb, entriesArb, (config, left, right) => {
        const initiator = MerkleTree.build(left, config);
        const responder = MerkleTree.build(right, config);
        let request = rootRequest();
        let bytesFromPeer = 0;
        for (;;) {
          expect(isValidRequest(responder.shape, request)).toBe(true);
          const reply = responder.hashesAt(request.level, request.indexes);
          bytesFromPeer += reply.reduce((sum, hash) => sum + hash.length, 0);
          const step = compareLevel(
            initiator.shape,
            request,
            initiator.hashesAt(request.level, request.indexes),
            reply,
          );
          if (step.kind === 'done') {
            const diff = diffTrees(initiator, responder);
            expect(step.segments).toEqual(diff.segments);
            expect(bytesFromPeer).toBe(16 * diff.hashesCompared);
            return;
          }
          request = step.next;
        }
      }),
      { numRuns: 50 },
    );
  });
});
