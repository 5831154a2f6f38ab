import { describe, expect, it } from 'vitest';
import { SimNetwork } from '../../../src/sim/index.js';
import { RequestRouter } from '../../../src/transport/request-router.js';
import { TransportError } from '../../../src/transport/transport.js';
import { settle } from '../../sim/helpers.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('RequestRouter: services sharing one request channel', () => {
  it('routes each request to the service it was sent to, with the service id stripped', async () => {
    const sim = new SimNetwork({ seed: 1 });
    const a = new RequestRouter(sim.addNode('a:1').transport);
    const b = new RequestRouter(sim.addNode('b:1').transport);
    b.service(0).onRequest((_from, bytes) => text(`membership got ${str(bytes)}`));
    b.service(1).onRequest(async (_from, bytes) => text(`kv got ${str(bytes)}`));
    expect(str(await settle(sim, a.service(0).request('b:1', text('pp'), 1000)))).toBe('membership got pp');
    expect(str(await settle(sim, a.service(1).request('b:1', text('get'), 1000)))).toBe('kv got get');
  });

  it('a request for a service the peer does not run fails as remote, and a closed view stops serving', async () => {
    const sim = new SimNetwork({ seed: 2 });
    const a = new RequestRouter(sim.addNode('a:1').transport);
    const b = new RequestRouter(sim.addNode('b:1').transport);
    const kv = b.service(1);
    kv.onRequest(() => text('ok'));
    const missing = settle(sim, a.service(7).request('b:1', text('x'), 1000));
    await expect(missing).rejects.toBeInstanceOf(TransportError);
    await expect(missing).rejects.toMatchObject({
      code: 'remote',
      message: expect.stringMatching(/no service 7/),
    });
    await kv.close();
    await expect(settle(sim, a.service(1).request('b:1', text('x'), 1000))).rejects.toMatchObject({
      code: 'remote',
    });
  });

  it('leaves one byte of the frame limit for the service id and rejects ids that are not bytes', () => {
    const sim = new SimNetwork({ seed: 3 });
    const t = sim.addNode('a:1').transport;
    const r = new RequestRouter(t);
    expect(r.service(0).maxFrameBytes).toBe(t.maxFrameBytes - 1);
    expect(() => r.service(256)).toThrow(RangeError);
    expect(() => r.service(-1)).toThrow(RangeError);
  });
});
