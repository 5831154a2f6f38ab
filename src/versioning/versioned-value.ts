import { type DvvSet, values } from './dvvset.js';

/**
 * What a sibling holds. A delete is a write of a tombstone (DESIGN §7): it takes a dot like any
 * write, so it supersedes exactly what the deleter saw and stays concurrent with what it did not.
 * Reading a key whose siblings are all tombstones answers 404.
 */
export type VersionedValue =
  | { readonly kind: 'value'; readonly bytes: Uint8Array; readonly ts?: LwwStamp }
  | { readonly kind: 'tombstone'; readonly ts?: LwwStamp };

/**
 * A last-writer-wins namespace's timestamp on a write: the coordinator's hybrid logical clock (hlc.ts) at the
 * time of the write. Ties between equal stamps break by the write's dot, so the order stays total.
 */
export interface LwwStamp {
  readonly wallMs: number;
  readonly logical: number;
}

export function compareStamps(a: LwwStamp | undefined, b: LwwStamp | undefined): number {
  // An unstamped write (from before the namespace turned LWW) is older than any stamped one.
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  if (a.wallMs !== b.wallMs) return a.wallMs < b.wallMs ? -1 : 1;
  return a.logical === b.logical ? 0 : a.logical < b.logical ? -1 : 1;
}

export const TOMBSTONE: VersionedValue = Object.freeze({ kind: 'tombstone' });

export function bytesValue(bytes: Uint8Array): VersionedValue {
  return { kind: 'value', bytes };
}

export function versionedValueEquals(a: VersionedValue, b: VersionedValue): boolean {
  if (compareStamps(a.ts, b.ts) !== 0) return false;
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
