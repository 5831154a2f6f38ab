import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Address,
  type Transport,
  TransportError,
  type TransportErrorCode,
} from '../../src/transport/transport.js';
import type { TransportHarness } from './transport-harness.js';

/**
 * The Transport contract (DESIGN.md §3, §12), run unchanged against every implementation. Time passes only
 * through the harness (`waitUntil`, `settle`), so the same suite runs on real sockets and in virtual time.
 * Budgets are generous on purpose: the real harness returns as soon as the condition holds, and the
 * simulated one spends them in virtual time.
 */
const BUDGET_MS = 10_000;

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/** Attaches a handler at once, so a rejection that happens before we look at it is never "unhandled". */
function outcome<T>(p: Promise<T>): Promise<Outcome<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

function bytes(...xs: number[]): Uint8Array {
  return Uint8Array.from(xs);
}

function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function str(b: Uint8Array): string {
  return new TextDecoder().decode(b);
}

/** A payload whose every byte depends on its position and seed, so truncation or mixing is visible. */
function pattern(size: number, seed: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** Byte equality regardless of the view class (implementations may hand out Buffers). */
function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function expectCode(o: Outcome<unknown>, codes: readonly TransportErrorCode[]): TransportError {
  expect(o.ok, 'expected the request to fail').toBe(false);
  const err = (o as { error: unknown }).error;
  expect(err).toBeInstanceOf(TransportError);
  expect(codes).toContain((err as TransportError).code);
  return err as TransportError;
}

export function transportContract(name: string, makeHarness: () => Promise<TransportHarness>): void {
  describe(`transport contract: ${name}`, () => {
    let h: TransportHarness;

    beforeEach(async () => {
      h = await makeHarness();
    });

    afterEach(async () => {
      await h.teardown();
    });

    /** Collects packets delivered to `t`. */
    function inbox(t: Transport): { from: Address; data: Uint8Array }[] {
      const got: { from: Address; data: Uint8Array }[] = [];
      t.onPacket((from, data) => got.push({ from, data: Uint8Array.from(data) }));
      return got;
    }

    describe('packets', () => {
      it('delivers a datagram in both directions with the sender address as `from`', async () => {
        const a = await h.create();
        const b = await h.create();
        const atA = inbox(a);
        const atB = inbox(b);
        expect(a.sendPacket(b.localAddress, bytes(1, 2, 3))).toEqual({ ok: true });
        expect(b.sendPacket(a.localAddress, bytes(4, 5))).toEqual({ ok: true });
        expect(await h.waitUntil(() => atA.length === 1 && atB.length === 1, BUDGET_MS)).toBe(true);
        expect(atB[0]?.from).toBe(a.localAddress);
        expect([...(atB[0]?.data ?? [])]).toEqual([1, 2, 3]);
        expect(atA[0]?.from).toBe(b.localAddress);
        expect([...(atA[0]?.data ?? [])]).toEqual([4, 5]);
      });

      it('delivers many small datagrams on a healthy link (order not promised)', async () => {
        const a = await h.create();
        const b = await h.create();
        const atB = inbox(b);
        const n = 100;
        for (let i = 0; i < n; i++) expect(a.sendPacket(b.localAddress, bytes(i)).ok).toBe(true);
        expect(await h.waitUntil(() => atB.length === n, BUDGET_MS)).toBe(true);
        const seen = atB.map((p) => p.data[0]).sort((x, y) => (x ?? 0) - (y ?? 0));
        expect(seen).toEqual(Array.from({ length: n }, (_, i) => i));
      });

      it('accepts a datagram of exactly maxPacketBytes and refuses one byte more as oversize', async () => {
        const a = await h.create();
        const b = await h.create();
        const atB = inbox(b);
        expect(a.sendPacket(b.localAddress, pattern(a.maxPacketBytes + 1, 1))).toEqual({
          ok: false,
          error: 'oversize',
        });
        expect(a.sendPacket(b.localAddress, pattern(a.maxPacketBytes, 2))).toEqual({ ok: true });
        expect(await h.waitUntil(() => atB.length === 1, BUDGET_MS)).toBe(true);
        expect(atB[0]?.data).toEqual(pattern(a.maxPacketBytes, 2));
      });

      it('honours a configured maxPacketBytes', async () => {
        const a = await h.create({ maxPacketBytes: 200 });
        const b = await h.create();
        expect(a.maxPacketBytes).toBe(200);
        expect(a.sendPacket(b.localAddress, new Uint8Array(201))).toEqual({ ok: false, error: 'oversize' });
      });

      it('sends subsequent packets to a replaced onPacket handler', async () => {
        const a = await h.create();
        const b = await h.create();
        const first = inbox(b);
        a.sendPacket(b.localAddress, bytes(1));
        expect(await h.waitUntil(() => first.length === 1, BUDGET_MS)).toBe(true);
        const second = inbox(b);
        a.sendPacket(b.localAddress, bytes(2));
        expect(await h.waitUntil(() => second.length === 1, BUDGET_MS)).toBe(true);
        expect(first).toHaveLength(1);
        expect([...(second[0]?.data ?? [])]).toEqual([2]);
      });
    });

    describe('requests', () => {
      it('round-trips a request and its response', async () => {
        const a = await h.create();
        const b = await h.create();
        b.onRequest((_from, req) => text(`echo:${str(req)}`));
        const res = await h.settle(a.request(b.localAddress, text('hello'), BUDGET_MS), BUDGET_MS);
        expect(str(res)).toBe('echo:hello');
      });

      it('matches concurrent requests on one pair to their own responses', async () => {
        const a = await h.create();
        const b = await h.create();
        b.onRequest((_from, req) => text(`re:${str(req)}`));
        const n = 50;
        const all = Promise.all(
          Array.from({ length: n }, (_, i) => a.request(b.localAddress, text(`q${i}`), BUDGET_MS)),
        );
        const res = await h.settle(all, BUDGET_MS);
        expect(res.map(str)).toEqual(Array.from({ length: n }, (_, i) => `re:q${i}`));
      });

      it('carries payloads far larger than a datagram (1 MiB each way)', async () => {
        const a = await h.create();
        const b = await h.create();
        const size = 1024 * 1024;
        let requestIntact = false;
        b.onRequest((_from, req) => {
          requestIntact = sameBytes(req, pattern(size, 7));
          return pattern(size, 9);
        });
        const res = await h.settle(a.request(b.localAddress, pattern(size, 7), BUDGET_MS), BUDGET_MS);
        expect(requestIntact).toBe(true);
        expect(res.length).toBe(size);
        expect(sameBytes(res, pattern(size, 9))).toBe(true);
      });

      it('waits for an async handler', async () => {
        const a = await h.create();
        const b = await h.create();
        b.onRequest(async (_from, req) => {
          await Promise.resolve();
          return Uint8Array.from(req).reverse();
        });
        const res = await h.settle(a.request(b.localAddress, bytes(1, 2, 3), BUDGET_MS), BUDGET_MS);
        expect([...res]).toEqual([3, 2, 1]);
      });

      it('serves requests in both directions', async () => {
        const a = await h.create();
        const b = await h.create();
        a.onRequest(() => text('from-a'));
        b.onRequest(() => text('from-b'));
        const [x, y] = await h.settle(
          Promise.all([
            a.request(b.localAddress, bytes(0), BUDGET_MS),
            b.request(a.localAddress, bytes(0), BUDGET_MS),
          ]),
          BUDGET_MS,
        );
        expect(str(x)).toBe('from-b');
        expect(str(y)).toBe('from-a');
      });

      it('reports a throwing handler as a remote error carrying its message', async () => {
        const a = await h.create();
        const b = await h.create();
        b.onRequest(() => {
          throw new Error('no such partition');
        });
        const o = await h.settle(outcome(a.request(b.localAddress, bytes(1), BUDGET_MS)), BUDGET_MS);
        expect(expectCode(o, ['remote']).message).toContain('no such partition');
      });

      it('reports a rejecting async handler as a remote error', async () => {
        const a = await h.create();
        const b = await h.create();
        b.onRequest(async () => {
          throw new Error('disk full');
        });
        const o = await h.settle(outcome(a.request(b.localAddress, bytes(1), BUDGET_MS)), BUDGET_MS);
        expect(expectCode(o, ['remote']).message).toContain('disk full');
      });

      it('keeps serving after a handler failure', async () => {
        const a = await h.create();
        const b = await h.create();
        let calls = 0;
        b.onRequest(() => {
          calls++;
          if (calls === 1) throw new Error('first fails');
          return bytes(42);
        });
        const first = await h.settle(outcome(a.request(b.localAddress, bytes(1), BUDGET_MS)), BUDGET_MS);
        expectCode(first, ['remote']);
        const second = await h.settle(a.request(b.localAddress, bytes(1), BUDGET_MS), BUDGET_MS);
        expect([...second]).toEqual([42]);
      });

      it('times out when the handler never answers', async () => {
        const a = await h.create();
        const b = await h.create();
        let received = 0;
        b.onRequest(() => {
          received++;
          return new Promise<Uint8Array>(() => {});
        });
        const o = await h.settle(outcome(a.request(b.localAddress, bytes(1), 300)), BUDGET_MS);
        expectCode(o, ['timeout']);
        expect(received).toBe(1);
      });

      it('refuses a request payload larger than maxFrameBytes as oversize', async () => {
        const a = await h.create({ maxFrameBytes: 4096 });
        const b = await h.create();
        b.onRequest(() => bytes(1));
        expect(a.maxFrameBytes).toBe(4096);
        const o = await h.settle(
          outcome(a.request(b.localAddress, new Uint8Array(4097), BUDGET_MS)),
          BUDGET_MS,
        );
        expectCode(o, ['oversize']);
        const ok = await h.settle(a.request(b.localAddress, new Uint8Array(4096), BUDGET_MS), BUDGET_MS);
        expect([...ok]).toEqual([1]);
      });

      it('fails a response larger than the responder’s maxFrameBytes instead of sending it', async () => {
        const a = await h.create();
        const b = await h.create({ maxFrameBytes: 1024 });
        b.onRequest(() => new Uint8Array(1025));
        const o = await h.settle(outcome(a.request(b.localAddress, bytes(1), BUDGET_MS)), BUDGET_MS);
        expectCode(o, ['remote', 'oversize']);
      });

      it('fails a request to an address where nothing listens', async () => {
        const a = await h.create();
        const dead = await h.deadAddress();
        const o = await h.settle(outcome(a.request(dead, bytes(1), 2_000)), BUDGET_MS);
        expectCode(o, ['unreachable', 'timeout']);
      });

      it('fails a request to a malformed address as unreachable', async () => {
        const a = await h.create();
        const o = await h.settle(outcome(a.request('not an address', bytes(1), 2_000)), BUDGET_MS);
        expectCode(o, ['unreachable']);
      });
    });

    describe('close', () => {
      it('makes sendPacket report closed and close idempotent', async () => {
        const a = await h.create();
        const b = await h.create();
        await a.close();
        await a.close();
        expect(a.sendPacket(b.localAddress, bytes(1))).toEqual({ ok: false, error: 'closed' });
        const o = await h.settle(outcome(a.request(b.localAddress, bytes(1), BUDGET_MS)), BUDGET_MS);
        expectCode(o, ['closed']);
      });

      it('rejects pending requests with closed', async () => {
        const a = await h.create();
        const b = await h.create();
        let received = 0;
        b.onRequest(() => {
          received++;
          return new Promise<Uint8Array>(() => {});
        });
        const pending = outcome(a.request(b.localAddress, bytes(1), BUDGET_MS));
        expect(await h.waitUntil(() => received === 1, BUDGET_MS)).toBe(true);
        await h.settle(a.close(), BUDGET_MS);
        expectCode(await h.settle(pending, BUDGET_MS), ['closed']);
      });

      it('fails requests in flight when the responder closes, and later requests to it', async () => {
        const a = await h.create();
        const b = await h.create();
        let received = 0;
        b.onRequest(() => {
          received++;
          return new Promise<Uint8Array>(() => {});
        });
        const pending = outcome(a.request(b.localAddress, bytes(1), 5_000));
        expect(await h.waitUntil(() => received === 1, BUDGET_MS)).toBe(true);
        await h.settle(b.close(), BUDGET_MS);
        expectCode(await h.settle(pending, BUDGET_MS), ['closed', 'unreachable', 'timeout']);
        const later = await h.settle(outcome(a.request(b.localAddress, bytes(1), 2_000)), BUDGET_MS);
        expectCode(later, ['closed', 'unreachable', 'timeout']);
      });

      it('stops delivering packets to a closed transport', async () => {
        const a = await h.create();
        const b = await h.create();
        const atB = inbox(b);
        await h.settle(b.close(), BUDGET_MS);
        expect(a.sendPacket(b.localAddress, bytes(1)).ok).toBe(true);
        await h.waitUntil(() => atB.length > 0, 200);
        expect(atB).toHaveLength(0);
      });
    });
  });
}
