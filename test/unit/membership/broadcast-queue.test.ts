import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Broadcast, BroadcastQueue } from '../../../src/membership/broadcast-queue.js';
import { retransmitLimit } from '../../../src/membership/timing.js';

const text = new TextEncoder();
const decode = (msgs: readonly Uint8Array[]): string[] => msgs.map((m) => new TextDecoder().decode(m));

function queue(retransmitMult = 4, numNodes = 10): BroadcastQueue {
  return new BroadcastQueue({ retransmitMult, numNodes: () => numNodes });
}

function msg(body: string, key?: string, finished?: () => void): Broadcast {
  return {
    bytes: text.encode(body),
    ...(key === undefined ? {} : { key }),
    ...(finished ? { finished } : {}),
  };
}

describe('BroadcastQueue (memberlist TransmitLimitedQueue)', () => {
  it('a newer broadcast about the same member replaces the queued one and finishes it', () => {
    const q = queue();
    const finished: string[] = [];
    q.enqueue(msg('suspect-a', 'a', () => finished.push('suspect-a')));
    q.enqueue(msg('alive-b', 'b'));
    q.enqueue(msg('alive-a', 'a', () => finished.push('alive-a')));
    expect(q.numQueued()).toBe(2);
    expect(finished).toEqual(['suspect-a']);
    expect(decode(q.getBroadcasts(0, 1000)).sort()).toEqual(['alive-a', 'alive-b']);
  });

  it('broadcasts without a key are never invalidated', () => {
    const q = queue();
    q.enqueue(msg('event-1'));
    q.enqueue(msg('event-1'));
    expect(q.numQueued()).toBe(2);
  });

  it('sends each broadcast retransmitLimit times, then drops it and calls finished() once', () => {
    const q = queue(2, 9); // 2 · ceil(log10(10)) = 2
    let finished = 0;
    q.enqueue(msg('leave', 'me', () => finished++));
    expect(decode(q.getBroadcasts(0, 100))).toEqual(['leave']);
    expect(finished).toBe(0);
    expect(decode(q.getBroadcasts(0, 100))).toEqual(['leave']);
    expect(finished).toBe(1);
    expect(q.numQueued()).toBe(0);
    expect(q.getBroadcasts(0, 100)).toEqual([]);
    expect(finished).toBe(1);
  });

  it('follows the cluster size when computing the limit', () => {
    let n = 1;
    const q = new BroadcastQueue({ retransmitMult: 1, numNodes: () => n });
    q.enqueue(msg('x'));
    q.getBroadcasts(0, 100); // limit 1 · ceil(log10 2) = 1 → dropped
    expect(q.numQueued()).toBe(0);
    n = 100; // limit 3
    q.enqueue(msg('y'));
    for (let i = 0; i < 3; i++) expect(q.getBroadcasts(0, 100)).toHaveLength(1);
    expect(q.numQueued()).toBe(0);
  });

  it('respects the byte limit including per-message overhead, packing larger messages first', () => {
    const q = queue();
    q.enqueue(msg('a'.repeat(10)));
    q.enqueue(msg('b'.repeat(20)));
    q.enqueue(msg('c'.repeat(30)));
    // free 43 → c(30) uses 32; free 11 → b(20) does not fit, a(10) does.
    expect(decode(q.getBroadcasts(2, 45))).toEqual(['c'.repeat(30), 'a'.repeat(10)]);
    expect(q.getBroadcasts(2, 2)).toEqual([]);
    expect(q.getBroadcasts(0, 0)).toEqual([]);
    expect(q.numQueued()).toBe(3);
  });

  it('sends the newest first among equal transmits and lengths', () => {
    const q = queue();
    for (const body of ['m1', 'm2', 'm3']) q.enqueue(msg(body));
    expect(decode(q.getBroadcasts(0, 100))).toEqual(['m3', 'm2', 'm1']);
  });

  it('sends fewest-transmitted broadcasts first', () => {
    const q = queue();
    q.enqueue(msg('old'));
    expect(decode(q.getBroadcasts(0, 3))).toEqual(['old']);
    q.enqueue(msg('new'));
    // Only one fits per call: the never-sent one goes first; on equal transmits the newer one wins.
    expect(decode(q.getBroadcasts(0, 3))).toEqual(['new']);
    expect(decode(q.getBroadcasts(0, 3))).toEqual(['new']);
    expect(decode(q.getBroadcasts(0, 3))).toEqual(['old']);
    expect(decode(q.getBroadcasts(0, 100))).toEqual(['new', 'old']);
  });

  it('sends a broadcast at most once per call', () => {
    const q = queue(4, 1000);
    q.enqueue(msg('only'));
    expect(decode(q.getBroadcasts(0, 10_000))).toEqual(['only']);
  });

  it('prune keeps the freshest broadcasts and finishes the rest', () => {
    const q = queue(10, 10);
    const finished: string[] = [];
    for (const body of ['p1', 'p2', 'p3']) q.enqueue(msg(body, body, () => finished.push(body)));
    q.getBroadcasts(0, 100); // all three now have one transmit
    for (const body of ['p4', 'p5']) q.enqueue(msg(body, body, () => finished.push(body)));
    q.prune(5);
    expect(finished).toEqual([]);
    q.prune(3);
    // Most-transmitted, then oldest, go first.
    expect(finished).toEqual(['p1', 'p2']);
    expect(q.numQueued()).toBe(3);
    expect(decode(q.getBroadcasts(0, 100))).toEqual(['p5', 'p4', 'p3']);
    // A pruned key no longer invalidates anything.
    q.enqueue(msg('p1-again', 'p1'));
    expect(finished).toEqual(['p1', 'p2']);
    expect(q.numQueued()).toBe(4);
  });

  it('reset finishes and drops everything', () => {
    const q = queue();
    let finished = 0;
    for (let i = 0; i < 5; i++) q.enqueue(msg(`r${i}`, i % 2 === 0 ? `k${i}` : undefined, () => finished++));
    q.reset();
    expect(finished).toBe(5);
    expect(q.numQueued()).toBe(0);
    expect(q.getBroadcasts(0, 1000)).toEqual([]);
  });

  it('a finished() hook may enqueue again', () => {
    const q = queue(1, 1);
    q.enqueue(msg('first', 'k', () => q.enqueue(msg('second', 'k'))));
    expect(decode(q.getBroadcasts(0, 100))).toEqual(['first']);
    expect(decode(q.getBroadcasts(0, 100))).toEqual(['second']);
    expect(q.numQueued()).toBe(0);
  });

  it('drains 10,000 broadcasts in one call when the budget allows', () => {
    const q = queue(1, 1);
    for (let i = 0; i < 10_000; i++) q.enqueue(msg(`m${i}`, `k${i % 7000}`));
    expect(q.numQueued()).toBe(7000);
    const sent = q.getBroadcasts(0, Number.MAX_SAFE_INTEGER);
    expect(sent).toHaveLength(7000);
    expect(q.numQueued()).toBe(0);
  });

  it('rejects a non-positive retransmit multiplier', () => {
    expect(() => queue(0)).toThrow(RangeError);
  });
});

/** A direct transcription of memberlist's GetBroadcasts over a flat list, as the reference for the property. */
class ReferenceQueue {
  private items: { id: number; transmits: number; len: number; key: string | undefined }[] = [];
  private nextId = 0;
  constructor(
    private readonly mult: number,
    private readonly n: number,
  ) {}
  enqueue(len: number, key: string | undefined): number {
    if (key !== undefined) this.items = this.items.filter((x) => x.key !== key);
    const id = this.nextId++;
    this.items.push({ id, transmits: 0, len, key });
    return id;
  }
  get(overhead: number, limit: number): number[] {
    const lim = retransmitLimit(this.mult, this.n);
    const sorted = this.items
      .slice()
      .sort((a, b) => a.transmits - b.transmits || b.len - a.len || b.id - a.id);
    const out: number[] = [];
    let used = 0;
    for (const x of sorted) {
      const free = limit - used - overhead;
      if (free <= 0) break;
      if (x.len > free) continue;
      used += overhead + x.len;
      out.push(x.id);
      x.transmits++;
    }
    this.items = this.items.filter((x) => x.transmits < lim);
    return out;
  }
  size(): number {
    return this.items.length;
  }
}

type Op =
  | { readonly kind: 'enqueue'; readonly len: number; readonly key: string | undefined }
  | { readonly kind: 'get'; readonly overhead: number; readonly limit: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('enqueue' as const),
    len: fc.integer({ min: 0, max: 300 }),
    key: fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant('get' as const),
    overhead: fc.integer({ min: 0, max: 4 }),
    limit: fc.integer({ min: 0, max: 1400 }),
  }),
);

describe('BroadcastQueue properties', () => {
  it('never exceeds the byte limit, sends each broadcast at most retransmitLimit times, and matches memberlist', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 200 }),
        fc.array(opArb, { maxLength: 120 }),
        (mult, n, ops) => {
          const q = new BroadcastQueue({ retransmitMult: mult, numNodes: () => n });
          const ref = new ReferenceQueue(mult, n);
          const idOf = new Map<Uint8Array, number>();
          const sends = new Map<number, number>();
          const finishedCount = new Map<number, number>();
          const limit = retransmitLimit(mult, n);
          for (const op of ops) {
            if (op.kind === 'enqueue') {
              const id = ref.enqueue(op.len, op.key);
              const bytes = new Uint8Array(op.len);
              idOf.set(bytes, id);
              q.enqueue({
                bytes,
                ...(op.key === undefined ? {} : { key: op.key }),
                finished: () => finishedCount.set(id, (finishedCount.get(id) ?? 0) + 1),
              });
            } else {
              const out = q.getBroadcasts(op.overhead, op.limit);
              const used = out.reduce((s, m) => s + op.overhead + m.length, 0);
              expect(used).toBeLessThanOrEqual(op.limit);
              const ids = out.map((m) => idOf.get(m) as number);
              for (const id of ids) sends.set(id, (sends.get(id) ?? 0) + 1);
              expect(ids).toEqual(ref.get(op.overhead, op.limit));
            }
            expect(q.numQueued()).toBe(ref.size());
          }
          for (const count of sends.values()) expect(count).toBeLessThanOrEqual(limit);
          for (const count of finishedCount.values()) expect(count).toBe(1);
          q.reset();
          expect([...finishedCount.values()].reduce((a, b) => a + b, 0)).toBe(idOf.size);
          for (const count of finishedCount.values()) expect(count).toBe(1);
        },
      ),
    );
  });
});
