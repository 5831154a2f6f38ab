import { describe, expect, it } from 'vitest';
import { SimNetwork } from '../../../src/sim/index.js';
import { TransportError } from '../../../src/transport/transport.js';
import { Keyring, sealOverheadBytes } from '../../../src/wire/index.js';
import { sealedTransport } from '../../../src/wire/sealed-transport.js';
import { settle } from '../../sim/helpers.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

function keyring(fill: number, others: readonly number[] = []): Keyring {
  const b64 = (n: number): string => Buffer.alloc(32, n).toString('base64');
  const r = Keyring.fromBase64(
    b64(fill),
    others.map((n) => b64(n)),
  );
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function pair(seed: number) {
  const sim = new SimNetwork({ seed });
  const a = sim.addNode('a:1');
  const b = sim.addNode('b:1');
  return { sim, a: a.transport, b: b.transport };
}

describe('sealedTransport', () => {
  it('with the same keyring on both sides a request round-trips, sealed on the wire', async () => {
    const { sim, a, b } = pair(1);
    const ring = keyring(7);
    const client = sealedTransport(a, { keyring: ring });
    const server = sealedTransport(b, { keyring: ring });
    const seen: string[] = [];
    server.onRequest((from, bytes) => {
      seen.push(`${from} ${str(bytes)}`);
      return text(`echo ${str(bytes)}`);
    });
    const res = await settle(sim, client.request('b:1', text('get k'), 1000));
    expect(str(res)).toBe('echo get k');
    expect(seen).toEqual(['a:1 get k']);
  });

  it('puts ciphertext, not the payload, on the inner transport', async () => {
    const { sim, a, b } = pair(2);
    const ring = keyring(7);
    const client = sealedTransport(a, { keyring: ring });
    let raw: Uint8Array | undefined;
    b.onRequest((_from, bytes) => {
      raw = bytes;
      return text('plain answer');
    });
    const payload = text('secret-payload');
    // The plaintext answer is refused by the sealed requester.
    await expect(settle(sim, client.request('b:1', payload, 1000))).rejects.toMatchObject({ code: 'remote' });
    expect(raw).toBeDefined();
    expect(raw!.length).toBe(payload.length + sealOverheadBytes({ keyring: ring }));
    expect(Buffer.from(raw!).includes(Buffer.from(payload))).toBe(false);
  });

  it('with different keys the request fails as remote and the handler never runs', async () => {
    const { sim, a, b } = pair(3);
    const client = sealedTransport(a, { keyring: keyring(1) });
    const server = sealedTransport(b, { keyring: keyring(2) });
    let ran = 0;
    server.onRequest(() => {
      ran++;
      return text('should not be sent');
    });
    const p = settle(sim, client.request('b:1', text('hello'), 1000));
    await expect(p).rejects.toBeInstanceOf(TransportError);
    await expect(p).rejects.toMatchObject({
      code: 'remote',
      message: expect.stringMatching(/request refused/),
    });
    expect(ran).toBe(0);
  });

  it('a response the requester cannot open fails the request as remote', async () => {
    const { sim, a, b } = pair(4);
    // The server opens with key 1 but seals with its primary, key 2, which the client does not have.
    const client = sealedTransport(a, { keyring: keyring(1) });
    const server = sealedTransport(b, { keyring: keyring(2, [1]) });
    let ran = 0;
    server.onRequest((_from, bytes) => {
      ran++;
      return bytes;
    });
    const p = settle(sim, client.request('b:1', text('hello'), 1000));
    await expect(p).rejects.toMatchObject({
      code: 'remote',
      message: expect.stringMatching(/response refused/),
    });
    expect(ran).toBe(1);
  });

  it('a label alone also wraps: equal labels talk, different labels are refused', async () => {
    const { sim, a, b } = pair(5);
    const client = sealedTransport(a, { label: 'prod' });
    expect(client).not.toBe(a);
    const server = sealedTransport(b, { label: 'prod' });
    server.onRequest((_from, bytes) => bytes);
    expect(str(await settle(sim, client.request('b:1', text('x'), 1000)))).toBe('x');
    const other = sealedTransport(a, { label: 'staging' });
    await expect(settle(sim, other.request('b:1', text('x'), 1000))).rejects.toMatchObject({
      code: 'remote',
    });
  });

  it('without keyring and label it is the inner transport itself', () => {
    const { a } = pair(6);
    expect(sealedTransport(a, {})).toBe(a);
    expect(sealedTransport(a, { label: '' })).toBe(a);
    expect(sealedTransport(a, { keyring: undefined, label: undefined })).toBe(a);
  });

  it('leaves room for the seal in the frame limit and keeps the inner address', () => {
    const { a } = pair(7);
    const ring = keyring(3);
    const sealed = sealedTransport(a, { keyring: ring });
    // 1 version byte + 12 nonce bytes + 16 tag bytes.
    expect(sealOverheadBytes({ keyring: ring })).toBe(29);
    expect(sealed.maxFrameBytes).toBe(a.maxFrameBytes - 29);
    const labelled = sealedTransport(a, { keyring: ring, label: 'prod' });
    expect(labelled.maxFrameBytes).toBe(
      a.maxFrameBytes - sealOverheadBytes({ keyring: ring, label: 'prod' }),
    );
    expect(sealed.maxPacketBytes).toBe(a.maxPacketBytes);
    expect(sealed.localAddress).toBe(a.localAddress);
  });
});
