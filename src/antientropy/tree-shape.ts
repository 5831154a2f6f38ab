import { log2, type MerkleConfig, validateMerkleConfig } from './config.js';

/**
 * The geometry of a Merkle tree: how many nodes each level has and which nodes are whose children. Pure
 * arithmetic on the config, shared by the tree and the diff walk (the remote side of an exchange only
 * knows the config, never our tree).
 *
 * Levels are numbered from the top: level 0 is the root, level `levels − 1` the segments (leaves). Every
 * inner node has `branching` children except the root's, which takes the remainder when log2(segments) is
 * not a multiple of log2(branching): 1024 segments at branching 16 give widths 1, 4, 64, 1024. Putting the
 * short fan-out at the root rather than above the leaves costs the same for a single difference and less
 * for many (the level every difference shares is the narrow one). Node `i` of level `l` has children
 * `i·f … i·f + f − 1` on level `l + 1`, f = fanoutOf(l), so a segment's ancestors are found by shifts.
 */
export class TreeShape {
  readonly segments: number;
  readonly branching: number;
  /** Number of levels, root and leaves included: 1 + ceil(log2(segments) / log2(branching)). */
  readonly levels: number;
  /** widths[l] = nodes on level l. */
  readonly #widths: readonly number[];
  /** shifts[l] = log2 of the fan-out of level l's nodes, for l < levels − 1. */
  readonly #shifts: readonly number[];

  constructor(config: MerkleConfig) {
    validateMerkleConfig(config);
    this.segments = config.segments;
    this.branching = config.branching;
    const segmentBits = log2(config.segments);
    const branchBits = log2(config.branching);
    const inner = Math.ceil(segmentBits / branchBits);
    this.levels = inner + 1;
    const widths: number[] = [];
    const shifts: number[] = [];
    for (let l = 0; l <= inner; l++) {
      // Full fan-out from the leaves up; whatever bits remain belong to the root.
      widths.push(2 ** Math.max(0, segmentBits - branchBits * (inner - l)));
    }
    for (let l = 0; l < inner; l++) shifts.push(log2((widths[l + 1] as number) / (widths[l] as number)));
    this.#widths = widths;
    this.#shifts = shifts;
  }

  /** The leaf level's number (levels − 1). */
  get leafLevel(): number {
    return this.levels - 1;
  }

  /** Nodes on `level`. */
  widthOf(level: number): number {
    this.#checkLevel(level);
    return this.#widths[level] as number;
  }

  /** Children per node of `level` (0 for the leaf level). */
  fanoutOf(level: number): number {
    this.#checkLevel(level);
    return level === this.leafLevel ? 0 : 1 << (this.#shifts[level] as number);
  }

  /** log2 of fanoutOf(level) for an inner level; the tree's hot paths use it without re-checking. */
  shiftOf(level: number): number {
    this.#checkLevel(level);
    if (level === this.leafLevel) throw new RangeError(`level ${level} is the leaf level: no children`);
    return this.#shifts[level] as number;
  }

  /** The indexes (on level + 1) of node `index`'s children; empty for a segment. */
  childrenOf(level: number, index: number): number[] {
    this.checkNode(level, index);
    if (level === this.leafLevel) return [];
    const shift = this.#shifts[level] as number;
    const first = index << shift;
    const children: number[] = [];
    for (let j = 0; j < 1 << shift; j++) children.push(first + j);
    return children;
  }

  /** True iff (level, index) names a node of this shape; for validating a peer's request. */
  hasNode(level: number, index: number): boolean {
    return (
      Number.isInteger(level) &&
      level >= 0 &&
      level < this.levels &&
      Number.isInteger(index) &&
      index >= 0 &&
      index < (this.#widths[level] as number)
    );
  }

  /** Programmer error if (level, index) is not a node of this shape. */
  checkNode(level: number, index: number): void {
    this.#checkLevel(level);
    if (!this.hasNode(level, index)) {
      throw new RangeError(`node index must be an integer in [0, ${this.#widths[level]}), got ${index}`);
    }
  }

  equals(other: TreeShape): boolean {
    return this.segments === other.segments && this.branching === other.branching;
  }

  #checkLevel(level: number): void {
    if (!Number.isInteger(level) || level < 0 || level >= this.levels) {
      throw new RangeError(`level must be an integer in [0, ${this.levels}), got ${level}`);
    }
  }
}
