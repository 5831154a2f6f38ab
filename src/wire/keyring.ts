/**
 * The set of AES-256-GCM keys a node encrypts and decrypts packets with (DESIGN.md §4), after memberlist's
 * keyring.go: the primary key (always first) seals every outgoing packet; every installed key is tried when
 * opening, primary first. Rotation without downtime is add everywhere → use everywhere → remove everywhere.
 *
 * Unlike memberlist, a Keyring is never empty (no keyring means encryption is off) and accepts only 32-byte
 * keys: DESIGN.md fixes AES-256, and a 16-byte key would silently select AES-128.
 */
import { randomBytes } from 'node:crypto';

/** AES-256 key size. */
export const KEY_BYTES = 32;

/**
 * Where GCM nonces come from. The default is node:crypto randomBytes: a random 96-bit nonce per packet is
 * what memberlist does (security.go), and with a fresh random nonce per packet a key can seal ~2^32 packets
 * before a repeat becomes a concern. That is not deterministic, which is fine: encryption is optional and off
 * in the simulator; tests that need byte-exact output inject their own source.
 */
export type NonceSource = (sizeBytes: number) => Uint8Array;

export const defaultNonceSource: NonceSource = (sizeBytes) => randomBytes(sizeBytes);

export type KeyringErrorKind =
  /** A configured key string is not canonical base64. */
  | 'bad-base64'
  /** A key is not exactly KEY_BYTES long. */
  | 'bad-key-length'
  /** useKey with a key that was never added. */
  | 'key-not-installed'
  /** removeKey of the primary: the node would have nothing to seal with (memberlist refuses it too). */
  | 'remove-primary';

export interface KeyringError {
  readonly kind: KeyringErrorKind;
  /** Human-readable, safe to log: never contains key material. */
  readonly message: string;
}

export type KeyringResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: KeyringError };

export interface KeyringComponents {
  /** Default: node:crypto randomBytes. */
  readonly nonce?: NonceSource;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function fail<T>(kind: KeyringErrorKind, message: string): KeyringResult<T> {
  return { ok: false, error: { kind, message } };
}

function checkKey(key: Uint8Array, what: string): KeyringError | null {
  if (key.length !== KEY_BYTES) {
    return {
      kind: 'bad-key-length',
      message: `${what} is ${key.length} bytes; AES-256-GCM needs exactly ${KEY_BYTES}`,
    };
  }
  return null;
}

/** Decodes a base64 key (the form serf/memberlist configs use), strictly: Buffer.from would skip junk. */
export function decodeKey(text: string, what = 'key'): KeyringResult<Uint8Array> {
  const trimmed = text.trim();
  if (trimmed.length % 4 !== 0 || !BASE64.test(trimmed)) {
    return fail('bad-base64', `${what} is not valid base64`);
  }
  const key = new Uint8Array(Buffer.from(trimmed, 'base64'));
  const bad = checkKey(key, what);
  return bad ? { ok: false, error: bad } : { ok: true, value: key };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

export class Keyring {
  readonly nonce: NonceSource;
  /** Primary first, then the others in installation order; each a private copy. */
  #keys: readonly Uint8Array[];

  private constructor(keys: readonly Uint8Array[], components: KeyringComponents) {
    this.#keys = keys;
    this.nonce = components.nonce ?? defaultNonceSource;
  }

  /** A keyring sealing with `primary` and also opening with `others` (duplicates are ignored). */
  static create(
    primary: Uint8Array,
    others: readonly Uint8Array[] = [],
    components: KeyringComponents = {},
  ): KeyringResult<Keyring> {
    const bad = checkKey(primary, 'primary key');
    if (bad) return { ok: false, error: bad };
    const ring = new Keyring([new Uint8Array(primary)], components);
    for (const [i, key] of others.entries()) {
      const added = ring.#add(key, `key ${i + 1}`);
      if (!added.ok) return added;
    }
    return { ok: true, value: ring };
  }

  /** As `create`, from base64 strings (config files); errors name the offending key by position only. */
  static fromBase64(
    primary: string,
    others: readonly string[] = [],
    components: KeyringComponents = {},
  ): KeyringResult<Keyring> {
    const p = decodeKey(primary, 'primary key');
    if (!p.ok) return p;
    const rest: Uint8Array[] = [];
    for (const [i, text] of others.entries()) {
      const k = decodeKey(text, `key ${i + 1}`);
      if (!k.ok) return k;
      rest.push(k.value);
    }
    return Keyring.create(p.value, rest, components);
  }

  /** The key outgoing packets are sealed with. */
  get primary(): Uint8Array {
    // The constructor and every mutation keep at least the primary in #keys.
    return new Uint8Array(this.#keys[0] as Uint8Array);
  }

  /** All installed keys, primary first: the order openPacket tries them in. */
  keys(): readonly Uint8Array[] {
    return this.#keys.map((k) => new Uint8Array(k));
  }

  /** Installs a key for opening only (the first rotation step); a no-op when already installed. */
  addKey(key: Uint8Array): KeyringResult<void> {
    return this.#add(key, 'key');
  }

  /** Makes an installed key primary. Peers should already have it (addKey everywhere first). */
  useKey(key: Uint8Array): KeyringResult<void> {
    const found = this.#keys.find((k) => sameBytes(k, key));
    if (!found) return fail('key-not-installed', 'key to use is not in the keyring; add it first');
    this.#keys = [found, ...this.#keys.filter((k) => k !== found)];
    return { ok: true, value: undefined };
  }

  /** Uninstalls a key; refuses the primary; a no-op for a key not installed (memberlist's RemoveKey). */
  removeKey(key: Uint8Array): KeyringResult<void> {
    if (sameBytes(this.#keys[0] as Uint8Array, key)) {
      return fail('remove-primary', 'cannot remove the primary key; make another key primary first');
    }
    this.#keys = this.#keys.filter((k) => !sameBytes(k, key));
    return { ok: true, value: undefined };
  }

  #add(key: Uint8Array, what: string): KeyringResult<void> {
    const bad = checkKey(key, what);
    if (bad) return { ok: false, error: bad };
    if (!this.#keys.some((k) => sameBytes(k, key))) this.#keys = [...this.#keys, new Uint8Array(key)];
    return { ok: true, value: undefined };
  }
}
