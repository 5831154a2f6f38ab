/**
 * Cluster label header, after memberlist's label.go: when a label is configured, every packet and stream
 * frame starts `[LABEL_MARKER][length: 1 byte][label bytes]`, outside any encryption, so a receiver can
 * drop another cluster's traffic before spending a decryption on it. When encryption is on, the label is
 * also the GCM additional data (seal.ts), so it cannot be swapped without failing authentication.
 */

/** memberlist's hasLabelMsg (244). Never the first byte of a plaintext Envelope (its key bytes are 0x08–0x22
 * for fields 1–4) nor of a sealed packet (encryption versions are 0x00–0x07, see seal.ts). */
export const LABEL_MARKER = 244;

/** The length travels in one byte. */
export const LABEL_MAX_BYTES = 255;

/** A label's UTF-8 bytes, or null when it is too long to send (a configuration error). */
export function labelBytes(label: string): Uint8Array | null {
  const bytes = new Uint8Array(Buffer.from(label, 'utf8'));
  return bytes.length > LABEL_MAX_BYTES ? null : bytes;
}

/** Bytes the label header adds to every packet: 0 without a label (memberlist's labelOverhead). */
export function labelOverheadBytes(label: string | undefined): number {
  if (!label) return 0;
  return 2 + Buffer.byteLength(label, 'utf8');
}

/** `body` prefixed with the header for `label`; `body` itself when the label is empty. */
export function addLabelHeader(body: Uint8Array, label: Uint8Array): Uint8Array {
  if (label.length === 0) return body;
  const out = new Uint8Array(2 + label.length + body.length);
  out[0] = LABEL_MARKER;
  out[1] = label.length;
  out.set(label, 2);
  out.set(body, 2 + label.length);
  return out;
}

export type LabelSplit =
  | { readonly ok: true; readonly label: Uint8Array; readonly body: Uint8Array }
  /** `empty`: a header announcing a zero-length label, which no sender writes (memberlist rejects it). */
  | { readonly ok: false; readonly error: 'truncated' | 'empty' };

/** Splits off a label header if there is one; an unlabelled packet yields an empty label. Views, no copies. */
export function removeLabelHeader(bytes: Uint8Array): LabelSplit {
  if (bytes.length === 0 || bytes[0] !== LABEL_MARKER) {
    return { ok: true, label: bytes.subarray(0, 0), body: bytes };
  }
  if (bytes.length < 2) return { ok: false, error: 'truncated' };
  const size = bytes[1] as number;
  if (size === 0) return { ok: false, error: 'empty' };
  if (bytes.length < 2 + size) return { ok: false, error: 'truncated' };
  return { ok: true, label: bytes.subarray(2, 2 + size), body: bytes.subarray(2 + size) };
}
