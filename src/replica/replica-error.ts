import { StorageError, type StorageErrorCode } from '../storage/storage.js';
import type { VersioningDecodeError } from '../versioning/decode-error.js';

/** Why a replica or hint-store operation did not happen. Typed results: the caller turns these into replies. */
export type ReplicaError =
  /** The stored bytes do not decode. They are left untouched for inspection; the key refuses writes. */
  | { readonly kind: 'corrupt'; readonly error: VersioningDecodeError }
  /** The storage engine failed or is closed. */
  | { readonly kind: 'storage'; readonly code: StorageErrorCode; readonly message: string }
  /** The hint store holds `limit` hints already. */
  | { readonly kind: 'full'; readonly limit: number }
  /** The write would add a namespace to a replica that holds `limit` namespaces already. */
  | { readonly kind: 'namespace-limit'; readonly limit: number };

export type ReplicaResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ReplicaError };

export function ok<T>(value: T): ReplicaResult<T> {
  return { ok: true, value };
}

export function fail<T>(error: ReplicaError): ReplicaResult<T> {
  return { ok: false, error };
}

/**
 * Runs storage I/O, turning a `StorageError` into a typed result. Anything else is a bug and propagates.
 */
export async function guardStorage<T>(fn: () => Promise<ReplicaResult<T>>): Promise<ReplicaResult<T>> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof StorageError) return fail({ kind: 'storage', code: e.code, message: e.message });
    throw e;
  }
}
