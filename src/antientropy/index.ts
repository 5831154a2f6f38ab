export {
  DEFAULT_BRANCHING,
  DEFAULT_SEGMENTS,
  defaultMerkleConfig,
  MAX_BRANCHING,
  MAX_SEGMENTS,
  type MerkleConfig,
  merkleConfig,
  validateMerkleConfig,
} from './config.js';
export { entryHash, HASH_BYTES, hashesEqual } from './merkle-hash.js';
export { type MerkleKey, MerkleTree } from './merkle-tree.js';
export {
  compareLevel,
  diffTrees,
  isValidRequest,
  type LevelRequest,
  type LevelStep,
  rootRequest,
  type TreeDiff,
} from './tree-diff.js';
export { TreeShape } from './tree-shape.js';
