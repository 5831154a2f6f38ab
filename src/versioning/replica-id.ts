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

/**
 * Merges two lists sorted by replica id into one, calling `both` for an id present on each side: the
 * shared walk of version-vector merge and DVV-set sync.
 */
export function mergeById<T extends { readonly id: ReplicaId }>(
  a: readonly T[],
  b: readonly T[],
  both: (x: T, y: T) => T,
): T[] {
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    const c = x === undefined ? 1 : y === undefined ? -1 : compareReplicaIds(x.id, y.id);
    if (c < 0) {
      out.push(x as T);
      i++;
    } else if (c > 0) {
      out.push(y as T);
      j++;
    } else {
      out.push(both(x as T, y as T));
      i++;
      j++;
    }
  }
  return out;
}
