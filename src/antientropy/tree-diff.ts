import { HASH_BYTES, hashesEqual } from './merkle-hash.js';
import type { MerkleTree } from './merkle-tree.js';
import type { TreeShape } from './tree-shape.js';

/**
 * The top-down diff of two Merkle trees of the same shape (DESIGN.md §10): compare the roots, then only the
 * children of nodes whose hashes differ, level by level, down to the segments. Over the network each level
 * is one round trip: the initiator asks the peer for the hashes of `request.indexes` on `request.level`,
 * compares them with its own (`compareLevel`) and asks for the children of those that differ. Bytes
 * exchanged ≈ HASH_BYTES × hashes compared, which grows with the number of differing segments d (about
 * d × branching per level), not with the number of keys.
 *
 * The pure step (`compareLevel`) is what the exchange FSM will call; `diffTrees` runs the same walk on two
 * local trees (tests, and the cost model in docs/antientropy.md).
 */

/** The nodes whose hashes the walk needs next: ascending unique indexes on one level. */
export interface LevelRequest {
  readonly level: number;
  readonly indexes: readonly number[];
}

export type LevelStep =
  /** Ask for these nodes next (the children of the nodes that differed). */
  | { readonly kind: 'descend'; readonly next: LevelRequest }
  /** Finished: the differing segments, ascending (empty when the trees are equal). */
  | { readonly kind: 'done'; readonly segments: readonly number[] };

export interface TreeDiff {
  /** Segments whose hashes differ, ascending. */
  readonly segments: readonly number[];
  /** Hash pairs compared; each is HASH_BYTES from the peer over the network. */
  readonly hashesCompared: number;
  /** Levels visited: one request/response each over the network. */
  readonly roundTrips: number;
}

/** Every walk starts at the root. */
export function rootRequest(): LevelRequest {
  return { level: 0, indexes: [0] };
}

/**
 * True iff a request names a level of `shape` and ascending unique node indexes on it, at most the level's
 * width: the responder checks a peer's request with this before answering it.
 */
export function isValidRequest(shape: TreeShape, request: LevelRequest): boolean {
  const { level, indexes } = request;
  if (!Number.isInteger(level) || level < 0 || level >= shape.levels) return false;
  let previous = -1;
  for (const index of indexes) {
    if (!shape.hasNode(level, index) || index <= previous) return false;
    previous = index;
  }
  return true;
}

/**
 * One step of the walk: compares `mine` and `theirs` (the hashes of `request.indexes`, in that order) and
 * says what to ask for next. The exchange must have checked the peer's reply (one HASH_BYTES hash per
 * requested index) before calling: a mismatch here is a programmer error.
 */
export function compareLevel(
  shape: TreeShape,
  request: LevelRequest,
  mine: readonly Uint8Array[],
  theirs: readonly Uint8Array[],
): LevelStep {
  const count = request.indexes.length;
  if (mine.length !== count || theirs.length !== count) {
    throw new RangeError(
      `expected ${count} hashes on each side, got ${mine.length} mine and ${theirs.length} theirs`,
    );
  }
  const differing: number[] = [];
  for (let i = 0; i < count; i++) {
    const a = mine[i] as Uint8Array;
    const b = theirs[i] as Uint8Array;
    if (a.length !== HASH_BYTES || b.length !== HASH_BYTES) {
      throw new RangeError(`hashes must be ${HASH_BYTES} bytes, got ${a.length} and ${b.length}`);
    }
    if (!hashesEqual(a, b)) differing.push(request.indexes[i] as number);
  }
  if (request.level === shape.leafLevel) return { kind: 'done', segments: differing };
  if (differing.length === 0) return { kind: 'done', segments: [] };
  // Children of ascending parents are ascending, so the next request is valid by construction.
  const indexes = differing.flatMap((index) => shape.childrenOf(request.level, index));
  return { kind: 'descend', next: { level: request.level + 1, indexes } };
}

/** The walk on two local trees; they must have the same config. */
export function diffTrees(a: MerkleTree, b: MerkleTree): TreeDiff {
  if (!a.shape.equals(b.shape)) {
    throw new RangeError(
      `trees differ in shape: ${a.config.segments}/${a.config.branching} vs ${b.config.segments}/${b.config.branching}`,
    );
  }
  let request = rootRequest();
  let hashesCompared = 0;
  let roundTrips = 0;
  for (;;) {
    const mine = a.hashesAt(request.level, request.indexes);
    const theirs = b.hashesAt(request.level, request.indexes);
    hashesCompared += request.indexes.length;
    roundTrips++;
    const step = compareLevel(a.shape, request, mine, theirs);
    if (step.kind === 'done') return { segments: step.segments, hashesCompared, roundTrips };
    request = step.next;
  }
}
