import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RumorClient } from '../../../src/antientropy/rumor-client.js';
import type { RumorVerdict } from '../../../src/antientropy/rumor-core.js';
import { decodeRumorResponse } from '../../../src/antientropy/rumor-rpc.js';
import { RumorService } from '../../../src/antientropy/rumor-service.js';
import { RumorStream } from '../../../src/antientropy/rumor-stream.js';
import { type NodeId, nodeId } from '../../../src/membership/member.js';
import { seededRandom } from '../../../src/runtime/random.js';
import { VirtualScheduler, VirtualTime } from '../../../src/runtime/virtual.js';
import { type Transport, TransportError } from '../../../src/transport/transport.js';

const INTERVAL_MS = 100;
const CHANNEL = 'ch';
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Nodes in virtual time, each with a RumorService holding one RumorStream, whose RumorClients reach each
 * other's services through an in-memory request transport; a node can be made unreachable.
 */
function cluster(names: string[], opts: { k?: number; deliver?: (node: string) => RumorVerdict } = {}) {
  const time = new VirtualTime();
  const random = seededRandom(3);
  const services = new Map<string, RumorService>();
  const down = new Set<string>();
  const delivered: { node: string; id: string; payload: Uint8Array }[] = [];
  const transport: Transport = {
    localAddress: 'x',
    maxPacketBytes: 1400,
    maxFrameBytes: 1 << 20,
    sendPacket: () => ({ ok: true }),
    onPacket: () => {},
    request: async (to, b) => {
      const service = services.get(to);
      if (service === undefined || down.has(to)) throw new TransportError('unreachable', `${to} is down`);
      return service.handleBytes(b);
    },
    onRequest: () => {},
    close: async () => {},
  };
  const nodes = new Map<string, { stream: RumorStream; service: RumorService }>();
  for (const name of names) {
    const service = new RumorService();
    const stream = new RumorStream(
      {
        caller: new RumorClient({ transport, addressOf: (n) => (n === 'ghost' ? undefined : `${n}:7946`) }),
        scheduler: new VirtualScheduler(time, random.fork()),
        random: random.fork(),
        peers: () => names.filter((n) => n !== name).map(nodeId),
        deliver: (id, payload) => {
          delivered.push({ node: name, id, payload: new Uint8Array(payload) });
          return opts.deliver?.(name) ?? 'new';
        },
      },
      {
        channel: CHANNEL,
        self: nodeId(name),
        k: opts.k ?? 2,
        intervalMs: INTERVAL_MS,
        fanout: 1,
        maxHot: 8,
        jitterMs: 0,
        timeoutMs: 50,
      },
    );
    service.register(stream);
    services.set(`${name}:7946`, service);
    nodes.set(name, { stream, service });
  }
  const node = (name: string) => nodes.get(name) as { stream: RumorStream; service: RumorService };
  /** One round on `name` only, its answers settled. */
  const round = async (name: string): Promise<void> => {
    node(name).stream.round();
    await flush();
  };
  return { time, node, round, down, delivered, services };
}

describe('RumorStream: rumor mongering over stream requests, one request per push', () => {
  it('a push is one request; the response is the verdict the pusher counts', async () => {
    const c = cluster(['a', 'b']);
    c.node('a').stream.spread('u', bytes('v'));
    await c.round('a');
    expect(c.delivered).toEqual([{ node: 'b', id: 'u', payload: bytes('v') }]);
    expect(c.node('a').stream.stats).toMatchObject({ pushesSent: 1, feedbackNew: 1, feedbackIgnored: 0 });
    expect(c.node('b').stream.stats).toMatchObject({ pushesReceived: 1 });
    expect(c.node('b').stream.core.isHot('u')).toBe(true);
  });

  it('k "known" responses retire the rumor', async () => {
    const c = cluster(['a', 'b'], { k: 2, deliver: () => 'known' });
    c.node('a').stream.spread('u', bytes('v'));
    await c.round('a');
    expect(c.node('a').stream.core.isHot('u')).toBe(true);
    await c.round('a');
    expect(c.node('a').stream.stats).toMatchObject({ feedbackKnown: 2, rumorsRetired: 1, rumorsHot: 0 });
    await c.round('a');
    expect(c.node('a').stream.stats.pushesSent).toBe(2);
    // The second push was answered from the seen ids, without asking the application again.
    expect(c.delivered).toHaveLength(1);
  });

  it('rounds run on the scheduler between start and stop', async () => {
    const c = cluster(['a', 'b']);
    const a = c.node('a').stream;
    a.spread('u', bytes('v'));
    a.start();
    a.start();
    c.time.runFor(3 * INTERVAL_MS);
    await flush();
    expect(a.stats.pushesSent).toBe(3);
    a.stop();
    expect(a.running).toBe(false);
    c.time.runFor(5 * INTERVAL_MS);
    expect(a.stats.pushesSent).toBe(3);
  });

  it('an unreachable or unknown peer is a lost contact: nothing counted, the rumor stays hot', async () => {
    const c = cluster(['a', 'b']);
    c.down.add('b:7946');
    const a = c.node('a').stream;
    a.spread('u', bytes('v'));
    await c.round('a');
    const res = await new RumorClient({
      transport: { request: async () => new Uint8Array(0) } as unknown as Transport,
      addressOf: () => undefined,
    }).push('ghost' as NodeId, { channel: CHANNEL, id: 'u', payload: bytes('v') }, 10);
    expect(res).toMatchObject({ kind: 'failure', failure: 'unavailable' });
    expect(a.stats).toMatchObject({
      pushesSent: 1,
      feedbackNew: 0,
      feedbackKnown: 0,
      malformedPackets: 0,
      rumorsHot: 1,
    });
  });

  it('a peer without the channel answers bad_request, which the pusher counts as malformed', async () => {
    const c = cluster(['a', 'b']);
    const b = c.node('b');
    const other = new RumorService();
    c.services.set('b:7946', other);
    c.node('a').stream.spread('u', bytes('v'));
    await c.round('a');
    expect(other.stats.badRequests).toBe(1);
    expect(c.node('a').stream.stats).toMatchObject({ malformedPackets: 1, rumorsHot: 1 });
    expect(b.stream.stats.pushesReceived).toBe(0);
  });
});

describe('RumorService', () => {
  it('answers garbage with a counted bad_request, never throwing', () => {
    const service = new RumorService();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const d = decodeRumorResponse(service.handleBytes(b));
        expect(d).toMatchObject({ ok: true, value: { kind: 'failure', failure: 'bad_request' } });
      }),
      { numRuns: 200 },
    );
    expect(service.stats.badRequests).toBe(200);
  });

  it('refuses a second channel with a name in use', () => {
    const service = new RumorService();
    const endpoint = { channel: 'x', serve: (): RumorVerdict => 'known' };
    service.register(endpoint);
    expect(() => service.register({ ...endpoint })).toThrow(RangeError);
  });
});

describe('RumorStream: the hot copy of a pushed payload', () => {
  it('does not alias the request frame, even when it is a Node Buffer', () => {
    const c = cluster(['a', 'b']);
    const b = c.node('b').stream;
    const frame = Buffer.from('abc');
    expect(b.serve('u', frame)).toBe('new');
    frame.fill(0);
    const [push] = b.core.round(['a'], seededRandom(1));
    expect([...(push?.payload ?? [])]).toEqual([...bytes('abc')]);
  });
});
