import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkExposition, sampleValue } from '../unit/metrics/exposition.js';
import { AgentProcesses, requireBuiltCli } from './agent-process.js';

// A real agent process of the built CLI on 127.0.0.1: garbage sent to its gossip port (an empty datagram,
// an oversize one, a TCP connection that sends 3 bytes and stops) is dropped and shows up in GET /metrics
// by reason. The 3-byte connection is closed by the default first-frame deadline (5 s), not the 60 s idle one.
const procs = new AgentProcesses();

beforeAll(requireBuiltCli);
afterEach(() => procs.cleanup());

const FIRST_FRAME_DEADLINE_MS = 5_000;

describe('dropped datagrams and refused connections in /metrics (real process)', () => {
  it('counts an empty datagram, an oversize one and a stalled 3-byte TCP connection', async () => {
    const agent = await procs.start({ name: 'd1', dataDir: ':memory:' });

    const udp = createSocket('udp4');
    try {
      const send = (b: Uint8Array): Promise<void> =>
        new Promise((r) => udp.send(b, agent.gossipPort, '127.0.0.1', () => r()));
      await send(new Uint8Array(0));
      await send(new Uint8Array(2000)); // above the default 1400-byte MTU
    } finally {
      udp.close();
    }

    const start = Date.now();
    const socket = connect({ host: '127.0.0.1', port: agent.gossipPort });
    socket.on('error', () => {});
    const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now() - start)));
    try {
      await new Promise<void>((r) => socket.once('connect', () => r()));
      socket.write(Buffer.from([0, 0, 1]));
      // Generous: the deadline plus slack for a loaded machine, far below the 60 s idle close.
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<number>((r) => {
        timer = setTimeout(() => r(-1), FIRST_FRAME_DEADLINE_MS + 5_000);
      });
      const after = await Promise.race([closed, bound]).finally(() => clearTimeout(timer));
      expect(after).toBeGreaterThan(0);
    } finally {
      socket.destroy();
    }

    const res = await fetch(`http://127.0.0.1:${agent.httpPort}/metrics`, {
      signal: AbortSignal.timeout(3000),
    });
    expect(res.status).toBe(200);
    const { exposition: x, errors } = checkExposition(await res.text());
    expect(errors).toEqual([]);
    expect(sampleValue(x, 'hearsay_net_packets_dropped_total', { reason: 'empty' })).toBe(1);
    expect(sampleValue(x, 'hearsay_net_packets_dropped_total', { reason: 'oversize' })).toBe(1);
    expect(sampleValue(x, 'hearsay_net_stream_rejected_total', { reason: 'first-frame-timeout' })).toBe(1);
    expect(sampleValue(x, 'hearsay_net_stream_rejected_total', { reason: 'bad-frame-type' })).toBe(0);
  }, 15_000);
});
