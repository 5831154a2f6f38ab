/**
 * Bounds on decoded versioning data. Decoders reject anything larger with a typed error before
 * allocating, so a hostile `X-Context` header or a corrupt record cannot exhaust memory.
 */
export interface VersioningLimits {
  /**
   * Most replica ids in one clock. A DVV clock only names replicas that coordinated a write for
   * the key, so it is bounded by N plus fallbacks over the key's life (Almeida et al. §5: size is
   * linear in the replication degree, not in clients). Too low rejects keys that moved a lot.
   */
  readonly maxReplicas: number;
  /** Longest replica id in UTF-8 bytes (node names). */
  readonly maxReplicaIdBytes: number;
  /** Most siblings in one stored set; past it the key is pathological and needs resolving. */
  readonly maxSiblings: number;
  /** Largest single value in bytes (the HTTP layer enforces its own, smaller limit first). */
  readonly maxValueBytes: number;
  /** Largest encoded set in bytes (all siblings plus the clock). */
  readonly maxSetBytes: number;
  /** Longest `X-Context` token in characters; HTTP servers commonly cap a header near 8 KiB. */
  readonly maxTokenChars: number;
}

export const DEFAULT_VERSIONING_LIMITS: VersioningLimits = Object.freeze({
  maxReplicas: 256,
  maxReplicaIdBytes: 255,
  maxSiblings: 1024,
  maxValueBytes: 16 * 1024 * 1024,
  maxSetBytes: 64 * 1024 * 1024,
  maxTokenChars: 4096,
});
