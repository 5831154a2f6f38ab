import { type DvvSet, values } from './dvvset.js';

/**
 * What a sibling holds. A delete is a write of a tombstone (DESIGN §7): it takes a dot like any
 * write, so it supersedes exactly what the deleter saw and stays concurrent with what it did not.
 * Reading a key whose siblings are all tombstones answers 404.
 */
export type VersionedValue =
  | { readonly kind: 'value'; readonly bytes: Uint8Array }
  | { readonly kind: 'tombstone' };

export const TOMBSTONE: VersionedValue = Object.freeze({ kind: 'tombstone' });

export function bytesValue(bytes: Uint8Array): VersionedValue {
  return { kind: 'value', bytes };
}

export function versionedValueEquals(a: VersionedValue, b: VersionedValue): boolean {
  if (a.kind === 'tombstone' || b.kind === 'tombstone') return a.kind === b.kind;
  return a.bytes.length === b.bytes.length && a.bytes.every((x, i) => x === b.bytes[i]);
}

/** The byte siblings a reader sees: tombstones are never returned as values. */
export function liveValues(set: DvvSet<VersionedValue>): Uint8Array[] {
  return values(set).flatMap((v) => (v.kind === 'value' ? [v.bytes] : []));
}

/** Deleted: every sibling is a tombstone (an empty set counts, nothing to read either way). */
export function isDeleted(set: DvvSet<VersionedValue>): boolean {
  return values(set).every((v) => v.kind === 'tombstone');
}
