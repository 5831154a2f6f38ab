/** Why versioning bytes (a stored set, an `X-Context` token) were rejected. */
export type VersioningDecodeErrorKind =
  | 'bad-encoding'
  | 'bad-version'
  | 'truncated'
  | 'varint-overflow'
  | 'too-large'
  | 'not-canonical'
  | 'bad-utf8'
  | 'bad-tag'
  | 'trailing-bytes';

export interface VersioningDecodeError {
  readonly kind: VersioningDecodeErrorKind;
  readonly detail: string;
}

export type DecodeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: VersioningDecodeError };

export function decodeError(kind: VersioningDecodeErrorKind, detail: string): VersioningDecodeError {
  return { kind, detail };
}
