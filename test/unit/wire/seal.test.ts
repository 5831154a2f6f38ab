import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/runtime/random.js';
import { decodePacket, encodePacket } from '../../../src/wire/codec.js';
import { KEY_BYTES, Keyring, type KeyringResult, type NonceSource } from '../../../src/wire/keyring.js';
import {
  addLabelHeader,
  LABEL_MARKER,
  LABEL_MAX_BYTES,
  labelOverheadBytes,
  removeLabelHeader,
} from '../../../src/wire/label.js';
import {
  NONCE_BYTES,
  type OpenOptions,
  type OpenResult,
  openPacket,
  SEAL_ERROR_KINDS,
  SEAL_OVERHEAD_BYTES,
  SealStats,
  sealOverheadBytes,
  sealPacket,
} from '../../../src/wire/seal.js';

const key = (fill: number): Uint8Array => new Uint8Array(KEY_BYTES).fill(fill);
const k1 = key(1);
const k2 = key(2);
const k3 = key(3);
const bytes = (...xs: number[]): Uint8Array => new Uint8Array(xs);
const plain = new Uint8Array(Buffer.from('\x08\x01\x12\x04prod hello'));

function unwrap<T>(r: KeyringResult<T>): T {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.kind}`);
  return r.value;
}

function ring(primary: Uint8Array, ...others: Uint8Array[]): Keyring {
  return unwrap(Keyring.create(primary, others));
}

/** A deterministic nonce source, as a simulator would inject. */
function counterNonces(): NonceSource {
  let n = 0;
  return (size) => {
    const out = new Uint8Array(size);
    new DataView(out.buffer).setUint32(size - 4, ++n);
    return out;
  };
}

function expectPlain(result: OpenResult, expected: Uint8Array): void {
  expect(result).toEqual({ ok: true, plain: expected, encrypted: expect.any(Boolean) });
}

function flip(buf: Uint8Array, index: number): Uint8Array {
  const out = new Uint8Array(buf);
  out[index] = (out[index] as number) ^ 0x01;
  return out;
}

const keyArb = fc.uint8Array({ minLength: KEY_BYTES, maxLength: KEY_BYTES });
/** Labels up to the 255-byte limit, in UTF-8 bytes. */
/**
 * What an unsealed packet may look like: a protobuf Envelope never starts with 0x00–0x07 (field number 0) or
 * the label marker, so those first bytes are how openPacket recognises sealed and labelled packets.
 */
const plaintextArb = fc
  .uint8Array({ maxLength: 300 })
  .filter((p) => p.length === 0 || ((p[0] as number) > 7 && p[0] !== LABEL_MARKER));
const labelArb = fc
  .string({ unit: 'grapheme', maxLength: 60 })
  .filter((s) => Buffer.byteLength(s) <= LABEL_MAX_BYTES);

describe('sealPacket/openPacket format', () => {
  it('is [version 1][12-byte nonce][ciphertext][16-byte tag], 29 bytes of overhead', () => {
    const sealed = sealPacket(plain, { keyring: ring(k1) });
    expect(SEAL_OVERHEAD_BYTES).toBe(29);
    expect(sealed.length).toBe(plain.length + SEAL_OVERHEAD_BYTES);
    expect(sealed[0]).toBe(1);
    expect(sealed.subarray(1 + NONCE_BYTES, 1 + NONCE_BYTES + plain.length)).not.toEqual(plain);
  });

  it('prefixes a label as [244][length][label] outside the encryption (memberlist label.go)', () => {
    const sealed = sealPacket(plain, { keyring: ring(k1), label: 'blue' });
    expect(Array.from(sealed.subarray(0, 6))).toEqual([LABEL_MARKER, 4, ...Buffer.from('blue')]);
    expect(sealed[6]).toBe(1);
    expect(sealed.length).toBe(plain.length + sealOverheadBytes({ keyring: ring(k1), label: 'blue' }));
    expect(labelOverheadBytes('blue')).toBe(6);
    expect(labelOverheadBytes('')).toBe(0);
    expect(labelOverheadBytes(undefined)).toBe(0);
  });

  it('without keyring or label, passes bytes through unchanged', () => {
    expect(sealPacket(plain, {})).toBe(plain);
    expectPlain(openPacket(plain, {}), plain);
    expect(sealOverheadBytes({})).toBe(0);
  });

  it('with a label but no keyring, only labels', () => {
    const sealed = sealPacket(plain, { label: 'blue' });
    expect(sealed.length).toBe(plain.length + 6);
    expect(openPacket(sealed, { label: 'blue' })).toEqual({ ok: true, plain, encrypted: false });
  });

  it('is deterministic with an injected nonce source, and uses a fresh nonce per packet', () => {
    const a = unwrap(Keyring.create(k1, [], { nonce: counterNonces() }));
    const b = unwrap(Keyring.create(k1, [], { nonce: counterNonces() }));
    const a1 = sealPacket(plain, { keyring: a });
    expect(a1).toEqual(sealPacket(plain, { keyring: b }));
    expect(sealPacket(plain, { keyring: a })).not.toEqual(a1);
  });

  it('refuses, as a configuration error, a label over 255 bytes or a nonce source of the wrong size', () => {
    expect(() => sealPacket(plain, { label: 'x'.repeat(256) })).toThrow(RangeError);
    const badNonce = unwrap(Keyring.create(k1, [], { nonce: () => new Uint8Array(8) }));
    expect(() => sealPacket(plain, { keyring: badNonce })).toThrow(RangeError);
  });

  it('carries a real hearsay packet through to the codec', () => {
    const packet = encodePacket({ cluster: 'prod', sender: 'n1' }, [{ type: 'ping', seqNo: 7, node: 'n2' }]);
    const opts = { keyring: ring(k1), label: 'prod-eu' };
    const opened = openPacket(sealPacket(packet, opts), opts);
    if (!opened.ok) throw new Error(opened.error);
    const decoded = decodePacket(opened.plain, { cluster: 'prod' });
    expect(decoded.ok).toBe(true);
    // Plaintext Envelopes never start in the 0x00–0x07 encryption-version range (field number 0).
    expect(packet[0]).toBeGreaterThan(7);
  });
});

describe('round trip', () => {
  it('opens what it sealed, for any payload, label and key, with the sender key anywhere in the ring', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 1500 }),
        labelArb,
        keyArb,
        fc.array(keyArb, { maxLength: 3 }),
        fc.nat(),
        (payload, label, sender, extra, pos) => {
          const receiverKeys = [...extra];
          receiverKeys.splice(pos % (extra.length + 1), 0, sender);
          const [primary, ...others] = receiverKeys as [Uint8Array, ...Uint8Array[]];
          const receiver = unwrap(Keyring.create(primary, others));
          const sealed = sealPacket(payload, { keyring: ring(sender), label });
          expect(sealed.length).toBe(payload.length + sealOverheadBytes({ keyring: receiver, label }));
          expect(openPacket(sealed, { keyring: receiver, label })).toEqual({
            ok: true,
            plain: payload,
            encrypted: true,
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('labels round-trip without encryption, for payloads that can be plaintext (not 0x00–0x07 or 244 first)', () => {
    fc.assert(
      fc.property(plaintextArb, labelArb, (payload, label) => {
        expectPlain(openPacket(sealPacket(payload, { label }), { label }), payload);
      }),
    );
  });
});

describe('authentication failures', () => {
  const sender = { keyring: ring(k1), label: 'blue' };
  const sealed = sealPacket(plain, sender);
  const labelEnd = 2 + 4;
  const nonceAt = labelEnd + 1;
  const cipherAt = nonceAt + NONCE_BYTES;
  const tagAt = sealed.length - 16;

  it('a key the receiver does not have → decrypt-failed', () => {
    expect(openPacket(sealed, { keyring: ring(k2, k3), label: 'blue' })).toEqual({
      ok: false,
      error: 'decrypt-failed',
    });
  });

  it.each([
    ['nonce', nonceAt],
    ['ciphertext', cipherAt],
    ['tag', tagAt],
    ['last tag byte', sealed.length - 1],
  ])('a flipped bit in the %s → decrypt-failed', (_part, index) => {
    expect(openPacket(flip(sealed, index), sender)).toEqual({ ok: false, error: 'decrypt-failed' });
  });

  it('any single flipped bit anywhere is rejected', () => {
    fc.assert(
      fc.property(fc.nat({ max: sealed.length - 1 }), fc.nat({ max: 7 }), (index, bit) => {
        const tampered = new Uint8Array(sealed);
        tampered[index] = (tampered[index] as number) ^ (1 << bit);
        expect(openPacket(tampered, sender).ok).toBe(false);
      }),
    );
  });

  it('a label rewritten to match the receiver fails authentication: the label is GCM additional data', () => {
    const split = removeLabelHeader(sealed);
    if (!split.ok) throw new Error(split.error);
    const relabelled = addLabelHeader(split.body, new Uint8Array(Buffer.from('pink')));
    expect(openPacket(relabelled, { keyring: ring(k1), label: 'pink' })).toEqual({
      ok: false,
      error: 'decrypt-failed',
    });
    // Stripping the label and sending to an unlabelled receiver fails the same way.
    expect(openPacket(sealed.subarray(labelEnd), { keyring: ring(k1) })).toEqual({
      ok: false,
      error: 'decrypt-failed',
    });
  });

  it('a cut-short sealed packet → truncated', () => {
    const noLabel = sealPacket(new Uint8Array(0), { keyring: ring(k1) });
    expect(noLabel.length).toBe(SEAL_OVERHEAD_BYTES);
    expectPlain(openPacket(noLabel, { keyring: ring(k1) }), new Uint8Array(0));
    expect(openPacket(noLabel.subarray(0, 28), { keyring: ring(k1) })).toEqual({
      ok: false,
      error: 'truncated',
    });
    expect(openPacket(bytes(1), { keyring: ring(k1) })).toEqual({ ok: false, error: 'truncated' });
  });
});

describe('labels', () => {
  it('a different label → bad-label, before any decryption', () => {
    const sealed = sealPacket(plain, { keyring: ring(k1), label: 'blue' });
    expect(openPacket(sealed, { keyring: ring(k1), label: 'green' })).toEqual({
      ok: false,
      error: 'bad-label',
    });
  });

  it('a labelled packet at a receiver without a label → bad-label', () => {
    expect(openPacket(sealPacket(plain, { label: 'blue' }), {})).toEqual({ ok: false, error: 'bad-label' });
  });

  it('an unlabelled packet at a receiver with a label → missing-label', () => {
    expect(
      openPacket(sealPacket(plain, { keyring: ring(k1) }), { keyring: ring(k1), label: 'blue' }),
    ).toEqual({
      ok: false,
      error: 'missing-label',
    });
    expect(openPacket(plain, { label: 'blue' })).toEqual({ ok: false, error: 'missing-label' });
  });

  it('a header announcing an empty label → bad-label; one cut short → truncated', () => {
    expect(openPacket(bytes(LABEL_MARKER, 0, 8, 1), {})).toEqual({ ok: false, error: 'bad-label' });
    expect(openPacket(bytes(LABEL_MARKER), {})).toEqual({ ok: false, error: 'truncated' });
    expect(openPacket(bytes(LABEL_MARKER, 5, 0x61, 0x62), { label: 'ab' })).toEqual({
      ok: false,
      error: 'truncated',
    });
  });

  it('a receiver configured with an unsendable (>255-byte) label drops everything instead of throwing', () => {
    const long = 'x'.repeat(300);
    expect(openPacket(plain, { label: long })).toEqual({ ok: false, error: 'bad-label' });
  });
});

describe('plaintext and keyring presence', () => {
  it('with a keyring, plaintext is rejected by default (memberlist GossipVerifyIncoming)', () => {
    expect(openPacket(plain, { keyring: ring(k1) })).toEqual({ ok: false, error: 'not-encrypted' });
    expect(openPacket(new Uint8Array(0), { keyring: ring(k1) })).toEqual({
      ok: false,
      error: 'not-encrypted',
    });
  });

  it('with requireEncryption false, plaintext and sealed packets are both accepted (rolling out encryption)', () => {
    const stats = new SealStats();
    const opts: OpenOptions = { keyring: ring(k1), requireEncryption: false, stats };
    expect(openPacket(plain, opts)).toEqual({ ok: true, plain, encrypted: false });
    expect(openPacket(sealPacket(plain, { keyring: ring(k1) }), opts)).toEqual({
      ok: true,
      plain,
      encrypted: true,
    });
    // A packet that claims to be sealed must still authenticate: no downgrade to plaintext.
    expect(openPacket(sealPacket(plain, { keyring: ring(k2) }), opts)).toEqual({
      ok: false,
      error: 'decrypt-failed',
    });
    expect(stats.opened).toBe(2);
    expect(stats.plaintextWithKeyring).toBe(1);
    expect(stats.errors['decrypt-failed']).toBe(1);
  });

  it('a sealed packet at a receiver without a keyring → encrypted-but-no-key', () => {
    expect(openPacket(sealPacket(plain, { keyring: ring(k1) }), {})).toEqual({
      ok: false,
      error: 'encrypted-but-no-key',
    });
  });

  it.each([0, 2, 7])('first byte %i is a reserved encryption version we do not know', (version) => {
    const packet = bytes(version, ...new Uint8Array(40));
    expect(openPacket(packet, { keyring: ring(k1) })).toEqual({
      ok: false,
      error: 'unsupported-encryption-version',
    });
    expect(openPacket(packet, {})).toEqual({ ok: false, error: 'unsupported-encryption-version' });
  });
});

describe('key rotation without downtime', () => {
  it('add everywhere → use everywhere → remove everywhere keeps every packet flowing', () => {
    const a = ring(k1);
    const b = ring(k1, k2);
    const send = (from: Keyring, to: Keyring): OpenResult =>
      openPacket(sealPacket(plain, { keyring: from }), { keyring: to });

    expectPlain(send(b, a), plain);
    expectPlain(send(a, b), plain);

    unwrap(a.addKey(k2));
    unwrap(b.useKey(k2));
    expectPlain(send(b, a), plain); // A opens with its secondary k2
    expectPlain(send(a, b), plain); // B opens with its secondary k1
    const oldKeyPacket = sealPacket(plain, { keyring: ring(k1) });

    unwrap(a.useKey(k2));
    expectPlain(send(a, b), plain);
    expectPlain(send(b, a), plain);

    unwrap(a.removeKey(k1));
    unwrap(b.removeKey(k1));
    expectPlain(send(a, b), plain);
    expectPlain(send(b, a), plain);
    expect(a.keys()).toEqual([k2]);
    expect(openPacket(oldKeyPacket, { keyring: a })).toEqual({ ok: false, error: 'decrypt-failed' });
    expect(openPacket(oldKeyPacket, { keyring: b })).toEqual({ ok: false, error: 'decrypt-failed' });
  });

  it('the primary cannot be removed mid-rotation', () => {
    const a = ring(k1, k2);
    expect(a.removeKey(k1)).toMatchObject({ ok: false, error: { kind: 'remove-primary' } });
    expectPlain(openPacket(sealPacket(plain, { keyring: a }), { keyring: ring(k1) }), plain);
  });
});

describe('openPacket under fuzzing', () => {
  const SEED = 0x5ea1;
  const INPUTS = 5_000;

  it(`never throws on ${INPUTS} random and mutated inputs (seed ${SEED}), and counts every outcome`, () => {
    const rng = seededRandom(SEED);
    const keyring = ring(k1, k2);
    const corpus = [
      sealPacket(plain, { keyring, label: 'blue' }),
      sealPacket(plain, { keyring }),
      sealPacket(plain, { label: 'blue' }),
      plain,
    ];
    const configs: OpenOptions[] = [
      { keyring, label: 'blue' },
      { keyring },
      { keyring, requireEncryption: false },
      { label: 'blue' },
      {},
    ];
    const stats = new SealStats();
    const known = new Set<string>(SEAL_ERROR_KINDS);
    for (let i = 0; i < INPUTS; i++) {
      let input: Uint8Array;
      if (rng.int(2) === 0) {
        input = new Uint8Array(rng.int(80));
        for (let j = 0; j < input.length; j++) input[j] = rng.int(256);
        if (input.length > 0 && rng.int(3) === 0) input[0] = rng.int(3) === 0 ? LABEL_MARKER : rng.int(8);
      } else {
        const base = corpus[rng.int(corpus.length)] as Uint8Array;
        input = new Uint8Array(base.subarray(0, rng.int(base.length + 1)));
        const flips = rng.int(3);
        for (let f = 0; f < flips && input.length > 0; f++) input[rng.int(input.length)] = rng.int(256);
      }
      const config = { ...(configs[rng.int(configs.length)] as OpenOptions), stats };
      let result: OpenResult;
      try {
        result = openPacket(input, config);
      } catch (err) {
        throw new Error(
          `seed ${SEED} input ${i} threw ${String(err)}: ${Buffer.from(input).toString('hex')}`,
        );
      }
      if (!result.ok) expect(known.has(result.error)).toBe(true);
    }
    expect(stats.opened + stats.droppedPackets()).toBe(INPUTS);
  });

  it('never throws on arbitrary bytes and options (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        labelArb,
        fc.boolean(),
        fc.boolean(),
        (input, label, keyed, req) => {
          const result = openPacket(input, {
            keyring: keyed ? ring(k1) : undefined,
            label,
            requireEncryption: req,
          });
          expect(typeof result.ok).toBe('boolean');
        },
      ),
    );
  });
});
