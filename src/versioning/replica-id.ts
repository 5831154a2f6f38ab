declare const replicaIdBrand: unique symbol;

/**
 * The id of a replica (a node) that mints dots. Branded so a key, a namespace or a raw string
 * cannot be passed where a dot's origin is expected.
 */
export type ReplicaId = string & { readonly [replicaIdBrand]: true };

/** Programmer error on an empty id: an empty origin would make dots ambiguous. */
export function replicaId(id: string): ReplicaId {
  if (id.length === 0) throw new Error('replica id must not be empty');
  return id as ReplicaId;
}

/**
 * The one canonical order of replica ids (UTF-16 code units), used by version vectors, DVV
 * entries and the binary encodings, so equal clocks have equal representations.
 */
export function compareReplicaIds(a: ReplicaId, b: ReplicaId): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
