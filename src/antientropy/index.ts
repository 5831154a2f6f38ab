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
export { type RumorCaller, RumorClient } from './rumor-client.js';
export {
  DEFAULT_RUMOR_FANOUT,
  DEFAULT_RUMOR_INTERVAL_MS,
  DEFAULT_RUMOR_K,
  DEFAULT_RUMOR_MAX_HOT,
  demersResidue,
  type RumorConfig,
  rumorConfig,
  validateRumorConfig,
} from './rumor-config.js';
export {
  type FeedbackOutcome,
  MAX_RUMOR_ID_BYTES,
  pickPeers,
  RumorCore,
  type RumorCoreInit,
  type RumorPush,
  type RumorStats,
  type RumorVerdict,
} from './rumor-core.js';
export { RumorMonger, type RumorMongerComponents, type RumorMongerInit } from './rumor-monger.js';
export type { RumorRequest, RumorResponse } from './rumor-rpc.js';
export { type RumorEndpoint, RumorService } from './rumor-service.js';
export { RumorStream, type RumorStreamComponents, type RumorStreamInit } from './rumor-stream.js';
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
