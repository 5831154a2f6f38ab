/**
 * Optional AES-256-GCM encryption of datagrams and stream frames (DESIGN.md §4), after memberlist's
 * security.go (encryptPayload/decryptPayload) with its label.go header in front:
 *
 *   [label header, if a label is configured][version = 1][nonce: 12][ciphertext][GCM tag: 16]
 *
 * The GCM additional data is the label bytes (empty without a label), as in memberlist's net.go, so a
 * packet cannot be replayed into a cluster with another label. memberlist's version 0 pads to the AES
 * block size (PKCS7), which GCM does not need; we only have version 1, unpadded (memberlist's own v1).
 *
 * How a receiver tells sealed from plaintext: a protobuf message cannot start with a byte in 0x00–0x07,
 * since that is field number 0, which protobuf reserves. So that range is the encryption version space:
 * 0x01 is this format, the others are `unsupported-encryption-version`; any other first byte is plaintext.
 * That makes the no-keyring case decidable: a sealed packet gets `encrypted-but-no-key`, not a confusing
 * `malformed` from the codec.
 *
 * So plaintext handed to sealPacket must be an Envelope (or anything not starting with 0x00–0x07 or the
 * label marker 244), which every hearsay packet and frame is.
 *
 * openPacket never throws: every failure is a typed error, counted in SealStats.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { Keyring } from './keyring.js';
import {
  addLabelHeader,
  LABEL_MAX_BYTES,
  labelBytes,
  labelOverheadBytes,
  removeLabelHeader,
} from './label.js';

export const ENCRYPTION_VERSION = 1;
/** First bytes reserved for encryption versions (field number 0 in protobuf): 0x00..this. */
const MAX_RESERVED_VERSION = 0x07;
export const VERSION_BYTES = 1;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
/** Bytes encryption adds to each packet; the packer reserves it (plus labelOverheadBytes) in the MTU. */
export const SEAL_OVERHEAD_BYTES = VERSION_BYTES + NONCE_BYTES + TAG_BYTES;

export const SEAL_ERROR_KINDS = [
  /** The packet's label differs from ours, or has a label when we have none, or an empty label header. */
  'bad-label',
  /** We have a label and the packet has none (memberlist drops these too). */
  'missing-label',
  /** No installed key authenticates it: wrong key, or tampered nonce/ciphertext/tag/label. */
  'decrypt-failed',
  /** Plaintext while we have a keyring and requireEncryption is not false (memberlist GossipVerifyIncoming). */
  'not-encrypted',
  /** A sealed packet (version byte 1) but we have no keyring. */
  'encrypted-but-no-key',
  /** Shorter than its label header, or than version + nonce + tag. */
  'truncated',
  /** First byte in the reserved range 0x00–0x07 but not a version we know. */
  'unsupported-encryption-version',
] as const;

export type SealErrorKind = (typeof SEAL_ERROR_KINDS)[number];

export type OpenResult =
  /** `encrypted` is false for plaintext accepted during a rollout (requireEncryption: false) or without keys. */
  | { readonly ok: true; readonly plain: Uint8Array; readonly encrypted: boolean }
  | { readonly ok: false; readonly error: SealErrorKind };

/** Counters of openPacket outcomes, read by the metrics layer (`hearsay_wire_seal_errors_total{kind}`). */
export class SealStats {
  /** Packets opened and passed on. */
  opened = 0;
  /** Of those, plaintext accepted while a keyring was set: nonzero means some peer is not encrypting yet. */
  plaintextWithKeyring = 0;
  readonly errors: Record<SealErrorKind, number> = {
    'bad-label': 0,
    'missing-label': 0,
    'decrypt-failed': 0,
    'not-encrypted': 0,
    'encrypted-but-no-key': 0,
    truncated: 0,
    'unsupported-encryption-version': 0,
  };

  /** `onError` sees each failure as it is counted, e.g. to feed a metrics counter (it must not throw). */
  constructor(private readonly onError?: (kind: SealErrorKind) => void) {}

  recordOk(plaintextWithKeyring: boolean): void {
    this.opened++;
    if (plaintextWithKeyring) this.plaintextWithKeyring++;
  }

  recordError(kind: SealErrorKind): void {
    this.errors[kind]++;
    this.onError?.(kind);
  }

  droppedPackets(): number {
    let n = 0;
    for (const kind of SEAL_ERROR_KINDS) n += this.errors[kind];
    return n;
  }
}

export interface SealOptions {
  /** Omit to send plaintext. */
  readonly keyring?: Keyring | undefined;
  /** Cluster label, at most LABEL_MAX_BYTES of UTF-8; empty or omitted means no label. */
  readonly label?: string | undefined;
}

export interface OpenOptions extends SealOptions {
  /**
   * With a keyring, reject plaintext (default true). Set false while rolling encryption out: install keys
   * everywhere with this false, then turn it on everywhere (memberlist's GossipVerifyIncoming).
   */
  readonly requireEncryption?: boolean | undefined;
  readonly stats?: SealStats | undefined;
}

/** Total bytes sealPacket adds to a payload: the packer subtracts this from its MTU budget. */
export function sealOverheadBytes(options: SealOptions): number {
  return labelOverheadBytes(options.label) + (options.keyring ? SEAL_OVERHEAD_BYTES : 0);
}

function configuredLabel(label: string | undefined): Uint8Array {
  const bytes = labelBytes(label ?? '');
  // A too-long label is a configuration error, caught at startup by whoever validates the config.
  if (!bytes) throw new RangeError(`cluster label is longer than ${LABEL_MAX_BYTES} bytes`);
  return bytes;
}

/**
 * Encrypts (when a keyring is given) and labels (when a label is given) one datagram or stream frame.
 * Throws only on configuration errors: a label over 255 bytes, or a nonce source returning the wrong size.
 */
export function sealPacket(plain: Uint8Array, options: SealOptions): Uint8Array {
  const label = configuredLabel(options.label);
  const { keyring } = options;
  if (!keyring) return addLabelHeader(plain, label);
  const nonce = keyring.nonce(NONCE_BYTES);
  if (nonce.length !== NONCE_BYTES) throw new RangeError(`nonce source returned ${nonce.length} bytes`);
  const cipher = createCipheriv('aes-256-gcm', keyring.primary, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(label);
  const head = VERSION_BYTES + NONCE_BYTES;
  const out = new Uint8Array(head + plain.length + TAG_BYTES);
  out[0] = ENCRYPTION_VERSION;
  out.set(nonce, VERSION_BYTES);
  const body = cipher.update(plain);
  const rest = cipher.final(); // empty for GCM, but part of the API contract
  out.set(body, head);
  out.set(rest, head + body.length);
  out.set(cipher.getAuthTag(), head + plain.length);
  return addLabelHeader(out, label);
}

function decrypt(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | null {
  const nonce = sealed.subarray(VERSION_BYTES, VERSION_BYTES + NONCE_BYTES);
  const ciphertext = sealed.subarray(VERSION_BYTES + NONCE_BYTES, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const body = decipher.update(ciphertext);
    const rest = decipher.final(); // throws when the tag does not authenticate
    return rest.length === 0 ? new Uint8Array(body) : new Uint8Array(Buffer.concat([body, rest]));
  } catch {
    return null;
  }
}

function unseal(bytes: Uint8Array, options: OpenOptions): OpenResult {
  // Config errors must not make openPacket throw; an unsendable label simply matches nothing.
  const ours = labelBytes(options.label ?? '');
  const split = removeLabelHeader(bytes);
  if (!split.ok) return { ok: false, error: split.error === 'truncated' ? 'truncated' : 'bad-label' };
  const { label, body } = split;
  if (label.length === 0 && ours !== null && ours.length > 0) return { ok: false, error: 'missing-label' };
  if (ours === null || Buffer.compare(label, ours) !== 0) return { ok: false, error: 'bad-label' };

  const { keyring } = options;
  const first = body[0];
  if (first === undefined || first > MAX_RESERVED_VERSION) {
    if (keyring && options.requireEncryption !== false) return { ok: false, error: 'not-encrypted' };
    return { ok: true, plain: body, encrypted: false };
  }
  if (first !== ENCRYPTION_VERSION) return { ok: false, error: 'unsupported-encryption-version' };
  if (!keyring) return { ok: false, error: 'encrypted-but-no-key' };
  if (body.length < SEAL_OVERHEAD_BYTES) return { ok: false, error: 'truncated' };
  // Primary first: after a rotation it is what nearly every peer seals with (memberlist tries keys in order).
  for (const key of keyring.keys()) {
    const plain = decrypt(key, body, label);
    if (plain) return { ok: true, plain, encrypted: true };
  }
  return { ok: false, error: 'decrypt-failed' };
}

/** Checks the label and decrypts one datagram or stream frame. Never throws. */
export function openPacket(bytes: Uint8Array, options: OpenOptions): OpenResult {
  const result = unseal(bytes, options);
  const { stats } = options;
  if (stats) {
    if (result.ok) stats.recordOk(!result.encrypted && options.keyring !== undefined);
    else stats.recordError(result.error);
  }
  return result;
}
