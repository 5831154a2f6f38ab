import { describe, expect, it } from 'vitest';
import { decodeKey, KEY_BYTES, Keyring, type KeyringResult } from '../../../src/wire/keyring.js';

const key = (fill: number): Uint8Array => new Uint8Array(KEY_BYTES).fill(fill);
const b64 = (k: Uint8Array): string => Buffer.from(k).toString('base64');
const k1 = key(1);
const k2 = key(2);
const k3 = key(3);

function unwrap<T>(r: KeyringResult<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.kind}: ${r.error.message}`);
  return r.value;
}

describe('Keyring', () => {
  it('seals with the primary and lists it first, then the others in installation order', () => {
    const ring = unwrap(Keyring.create(k1, [k2, k3]));
    expect(ring.primary).toEqual(k1);
    expect(ring.keys()).toEqual([k1, k2, k3]);
  });

  it('ignores duplicate keys, including the primary among the others', () => {
    const ring = unwrap(Keyring.create(k1, [k1, k2, k2]));
    expect(ring.keys()).toEqual([k1, k2]);
    expect(unwrap(ring.addKey(k2))).toBeUndefined();
    expect(ring.keys()).toEqual([k1, k2]);
  });

  it('addKey installs a key for opening without changing the primary', () => {
    const ring = unwrap(Keyring.create(k1));
    unwrap(ring.addKey(k2));
    expect(ring.primary).toEqual(k1);
    expect(ring.keys()).toEqual([k1, k2]);
  });

  it('useKey makes an installed key primary and keeps the old one for opening', () => {
    const ring = unwrap(Keyring.create(k1, [k2, k3]));
    unwrap(ring.useKey(k3));
    expect(ring.primary).toEqual(k3);
    expect(ring.keys()).toEqual([k3, k1, k2]);
  });

  it('useKey refuses a key that is not installed', () => {
    const ring = unwrap(Keyring.create(k1));
    const r = ring.useKey(k2);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe('key-not-installed');
    expect(ring.primary).toEqual(k1);
  });

  it('removeKey refuses the primary with a typed error', () => {
    const ring = unwrap(Keyring.create(k1, [k2]));
    const r = ring.removeKey(k1);
    expect(r).toEqual({
      ok: false,
      error: { kind: 'remove-primary', message: expect.stringContaining('primary') },
    });
    expect(ring.keys()).toEqual([k1, k2]);
  });

  it('removeKey uninstalls a secondary key, and is a no-op for an unknown one', () => {
    const ring = unwrap(Keyring.create(k1, [k2]));
    unwrap(ring.removeKey(k2));
    expect(ring.keys()).toEqual([k1]);
    unwrap(ring.removeKey(k3));
    expect(ring.keys()).toEqual([k1]);
  });

  it('keeps its own copies: mutating a caller buffer or a returned key changes nothing', () => {
    const mine = key(7);
    const ring = unwrap(Keyring.create(mine));
    mine.fill(0);
    const listed = ring.keys()[0] as Uint8Array;
    listed.fill(0);
    ring.primary.fill(0);
    expect(ring.primary).toEqual(key(7));
  });

  it.each([16, 24, 31, 33, 0])('refuses a %i-byte key: AES-256-GCM needs exactly 32', (size) => {
    const bad = new Uint8Array(size);
    const r = Keyring.create(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.kind).toBe('bad-key-length');
      expect(r.error.message).toBe(`primary key is ${size} bytes; AES-256-GCM needs exactly 32`);
    }
    const ring = unwrap(Keyring.create(k1));
    const add = ring.addKey(bad);
    expect(add.ok).toBe(false);
    if (!add.ok) expect(add.error.kind).toBe('bad-key-length');
    expect(Keyring.create(k1, [k2, bad])).toMatchObject({
      ok: false,
      error: { kind: 'bad-key-length', message: expect.stringMatching(/^key 2 is/) },
    });
  });
});

describe('Keyring from base64 (serf/memberlist config form)', () => {
  it('decodes the primary and the others', () => {
    const ring = unwrap(Keyring.fromBase64(b64(k1), [b64(k2)]));
    expect(ring.keys()).toEqual([k1, k2]);
  });

  it('tolerates surrounding whitespace (keys pasted from files)', () => {
    expect(unwrap(decodeKey(` ${b64(k1)}\n`))).toEqual(k1);
  });

  it.each([
    ['not base64 at all', 'this is not a key!'],
    ['bad length for base64', 'AAAAA'],
    ['url-safe alphabet', `${b64(k1).slice(0, -4)}-_-_`],
    ['empty', ''],
  ])('refuses %s with a clear message naming the key by position', (_name, text) => {
    expect(Keyring.fromBase64(text)).toEqual({
      ok: false,
      error: {
        kind: text === '' ? 'bad-key-length' : 'bad-base64',
        message: expect.stringMatching(/^primary key /),
      },
    });
    expect(Keyring.fromBase64(b64(k1), [b64(k2), text])).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/^key 2 /) },
    });
  });

  it('refuses valid base64 of the wrong length (a 16-byte AES-128 key)', () => {
    const r = Keyring.fromBase64(b64(new Uint8Array(16)));
    expect(r).toEqual({
      ok: false,
      error: { kind: 'bad-key-length', message: 'primary key is 16 bytes; AES-256-GCM needs exactly 32' },
    });
  });

  it('never puts key material in error messages', () => {
    const text = b64(new Uint8Array(24).fill(0xab));
    const r = Keyring.fromBase64(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).not.toContain(text);
  });
});
