import { type DvvSet, newWithContext } from '../versioning/dvvset.js';
import type { VersionVector } from '../versioning/version-vector.js';
import { TOMBSTONE, type VersionedValue } from '../versioning/versioned-value.js';

/**
 * A delete is a put of a tombstone with the client's context (DESIGN.md §7, riak_kv_delete: a
 * delete writes a tombstone object through the put path). So it has no core of its own: the
 * driver builds the client write here and runs it through PutCore with the request's W. The
 * tombstone takes a fresh dot at the coordinating replica, superseding exactly what the client
 * saw and staying a sibling of any write it did not see; reaping is a separate, later decision
 * (GetCore `finalAction` → `delete`).
 */
export function deleteWrite(context: VersionVector): DvvSet<VersionedValue> {
  return newWithContext(context, TOMBSTONE);
}
