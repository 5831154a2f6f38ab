import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeRumorMessage,
  encodeFeedback,
  encodePush,
  MAX_RUMOR_ID_BYTES,
  type RumorMessage,
  type RumorVerdict,
} from '../../../src/antientropy/rumor-codec.js';
import { demersResidue, rumorConfig } from '../../../src/antientropy/rumor-config.js';
import { pickPeers, RumorMonger, type RumorMongerInit } from '../../../src/antientropy/rumor-monger.js';
import { seededRandom } from '../../../src/runtime/random.js';
import { VirtualScheduler, VirtualTime } from '../../../src/runtime/virtual.js';

const INTERVAL_MS = 100;
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

interface Sent {
  readonly to: string;
  readonly msg: RumorMessage | null;
}

/**
 * One monger `self` in virtual time whose datagrams are recorded instead of delivered, so a test plays every
 * peer by hand (answers feedback, sends pushes) and sees exactly what the monger sent.
 */
function harness(
  init: Partial<RumorMongerInit> = {},
  opts: { peers?: string[]; deliver?: (id: string, payload: Uint8Array) => RumorVerdict } = {},
) {
  const time = new VirtualTime();
  const random = seededRandom(7);
  const sent: Sent[] = [];
  const delivered: { id: string; payload: Uint8Array }[] = [];
  const peers = opts.peers ?? ['b', 'c', 'd', 'e'];
  const monger = new RumorMonger(
    {
      scheduler: new VirtualScheduler(time, random.fork()),
      random,
      send: (to, b) => sent.push({ to, msg: decodeRumorMessage(b) }),
      peers: () => peers,
      self: 'a',
      deliver: (id, payload) => {
        delivered.push({ id, payload: payload.slice() });
        return opts.deliver?.(id, payload) ?? 'new';
      },
    },
    { k: 3, intervalMs: INTERVAL_MS, fanout: 1, maxHot: 16, jitterMs: 0, ...init },
  );
  const pushes = (): Sent[] => sent.filter((s) => s.msg?.kind === 'push');
  const feedbacks = (): Sent[] => sent.filter((s) => s.msg?.kind === 'feedback');
  /** Answers the most recent push with `verdict`, as the peer it went to. */
  const answerLast = (verdict: RumorVerdict): void => {
    const last = pushes().at(-1);
    if (last?.msg?.kind !== 'push') throw new Error('no push to answer');
    monger.handlePacket(last.to, encodeFeedback(last.msg.id, verdict));
  };
  const rounds = (n: number): void => time.runFor(n * INTERVAL_MS);
  return { time, monger, sent, delivered, pushes, feedbacks, answerLast, rounds };
}

describe('RumorMonger: push, feedback, counter (Demers et al. 1987, §1.4)', () => {
  it('a spread rumor is pushed to one random peer per round, never to itself', () => {
    const h = harness({}, { peers: ['a', 'b', 'c', 'd', 'e'] });
    h.monger.spread('u1', bytes('v1'));
    h.monger.start();
    h.rounds(1);
    expect(h.pushes()).toHaveLength(1);
    h.rounds(9);
    expect(h.pushes()).toHaveLength(10);
    for (const p of h.pushes()) {
      expect(p.to).not.toBe('a');
      expect(p.msg).toEqual({ kind: 'push', id: 'u1', payload: bytes('v1') });
    }
    expect(h.monger.stats.pushesSent).toBe(10);
  });

  it('loses interest after exactly k "known" answers; "new" answers do not count', () => {
    for (const k of [1, 2, 3, 5]) {
      const h = harness({ k });
      h.monger.spread('u1', bytes('v1'));
      h.monger.start();
      h.rounds(1);
      h.answerLast('new');
      for (let i = 1; i <= k; i++) {
        expect(h.monger.isHot('u1')).toBe(true);
        h.rounds(1);
        h.answerLast('known');
      }
      expect(h.monger.isHot('u1')).toBe(false);
      const pushed = h.pushes().length;
      expect(pushed).toBe(k + 1);
      h.rounds(10);
      expect(h.pushes()).toHaveLength(pushed);
      expect(h.monger.stats).toMatchObject({
        feedbackNew: 1,
        feedbackKnown: k,
        rumorsRetired: 1,
        rumorsHot: 0,
      });
    }
  });

  it('counts only answers it is owed: duplicated, unsolicited and forged feedback is ignored', () => {
    const h = harness({ k: 2 });
    h.monger.spread('u1', bytes('v1'));
    h.monger.start();
    h.rounds(1);
    const to = h.pushes()[0]?.to as string;
    h.monger.handlePacket(to, encodeFeedback('u1', 'known'));
    h.monger.handlePacket(to, encodeFeedback('u1', 'known')); // a duplicated datagram
    h.monger.handlePacket('z', encodeFeedback('u1', 'known')); // never pushed to z
    h.monger.handlePacket(to, encodeFeedback('other', 'known')); // not a hot rumor here
    expect(h.monger.isHot('u1')).toBe(true);
    expect(h.monger.stats).toMatchObject({ feedbackKnown: 1, feedbackIgnored: 3 });
    h.rounds(1);
    h.answerLast('known');
    expect(h.monger.isHot('u1')).toBe(false);
  });

  it('a rumor received for the first time is delivered, answered "new", and becomes hot', () => {
    const h = harness();
    h.monger.start();
    h.monger.handlePacket('b', encodePush('u9', bytes('payload')));
    expect(h.delivered).toEqual([{ id: 'u9', payload: bytes('payload') }]);
    expect(h.feedbacks()).toEqual([{ to: 'b', msg: { kind: 'feedback', id: 'u9', verdict: 'new' } }]);
    expect(h.monger.isHot('u9')).toBe(true);
    h.rounds(1);
    expect(h.pushes()).toEqual([
      expect.objectContaining({ msg: { kind: 'push', id: 'u9', payload: bytes('payload') } }),
    ]);
  });

  it('the hot copy does not alias the datagram buffer', () => {
    const h = harness();
    const datagram = encodePush('u9', bytes('abc'));
    h.monger.handlePacket('b', datagram);
    datagram.fill(0);
    h.monger.start();
    h.rounds(1);
    expect(h.pushes()[0]?.msg).toEqual({ kind: 'push', id: 'u9', payload: bytes('abc') });
  });

  it('a duplicate is answered "known" without asking the application again, and does not become hot again', () => {
    const h = harness();
    h.monger.handlePacket('b', encodePush('u9', bytes('x')));
    h.monger.handlePacket('c', encodePush('u9', bytes('x')));
    expect(h.delivered).toHaveLength(1);
    expect(h.feedbacks().map((f) => f.msg)).toEqual([
      { kind: 'feedback', id: 'u9', verdict: 'new' },
      { kind: 'feedback', id: 'u9', verdict: 'known' },
    ]);
    // Its own spread rumors are known too.
    h.monger.spread('mine', bytes('y'));
    h.monger.handlePacket('d', encodePush('mine', bytes('y')));
    expect(h.delivered).toHaveLength(1);
    expect(h.feedbacks().at(-1)?.msg).toEqual({ kind: 'feedback', id: 'mine', verdict: 'known' });
  });

  it('an update the application already had is answered "known" and not made hot', () => {
    const h = harness({}, { deliver: () => 'known' });
    h.monger.handlePacket('b', encodePush('u9', bytes('x')));
    expect(h.delivered).toHaveLength(1);
    expect(h.feedbacks()[0]?.msg).toEqual({ kind: 'feedback', id: 'u9', verdict: 'known' });
    expect(h.monger.isHot('u9')).toBe(false);
  });

  it('forgets seen ids beyond maxSeenIds, then asks the application again', () => {
    const h = harness({ maxSeenIds: 2 }, { deliver: () => 'known' });
    for (const id of ['u1', 'u2', 'u3', 'u1']) h.monger.handlePacket('b', encodePush(id, bytes('x')));
    expect(h.delivered.map((d) => d.id)).toEqual(['u1', 'u2', 'u3', 'u1']);
  });

  it('keeps at most maxHot rumors, dropping the oldest first', () => {
    const maxHot = 4;
    const h = harness({ maxHot });
    for (let i = 0; i < maxHot + 3; i++) h.monger.spread(`u${i}`, bytes(`v${i}`));
    expect(h.monger.hotIds()).toEqual(['u3', 'u4', 'u5', 'u6']);
    expect(h.monger.stats).toMatchObject({ rumorsHot: maxHot, rumorsEvicted: 3 });
    h.monger.handlePacket('b', encodePush('r', bytes('x')));
    expect(h.monger.hotIds()).toEqual(['u4', 'u5', 'u6', 'r']);
    h.monger.start();
    h.rounds(1);
    expect(h.pushes()).toHaveLength(maxHot);
  });

  it('pushes each hot rumor to `fanout` distinct peers per round', () => {
    const h = harness({ fanout: 3 }, { peers: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'] });
    h.monger.spread('u1', bytes('x'));
    h.monger.start();
    for (let r = 1; r <= 20; r++) {
      const before = h.pushes().length;
      h.rounds(1);
      const targets = h
        .pushes()
        .slice(before)
        .map((p) => p.to);
      expect(targets).toHaveLength(3);
      expect(new Set(targets).size).toBe(3);
      expect(targets).not.toContain('a');
    }
  });

  it('stop() stops the pushes and start() resumes them', () => {
    const h = harness();
    h.monger.spread('u1', bytes('x'));
    h.monger.start();
    h.monger.start(); // idempotent: still one timer
    h.rounds(3);
    expect(h.pushes()).toHaveLength(3);
    h.monger.stop();
    expect(h.monger.running).toBe(false);
    h.rounds(10);
    expect(h.pushes()).toHaveLength(3);
    expect(h.monger.isHot('u1')).toBe(true);
    // Still answers pushes while stopped.
    h.monger.handlePacket('b', encodePush('u2', bytes('y')));
    expect(h.feedbacks()).toHaveLength(1);
    h.monger.start();
    h.rounds(1);
    expect(h.pushes()).toHaveLength(5);
  });

  it('sends nothing while nothing is hot, or when it has no peers', () => {
    const h = harness({}, { peers: ['a'] });
    h.monger.start();
    h.rounds(5);
    h.monger.spread('u1', bytes('x'));
    h.rounds(5);
    expect(h.sent).toHaveLength(0);
  });

  it('drops garbage without throwing, counting it', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (packets) => {
        const h = harness();
        h.monger.spread('u1', bytes('x'));
        h.monger.start();
        h.rounds(1);
        for (const p of packets) h.monger.handlePacket('b', p);
        const s = h.monger.stats;
        const valid = packets.filter((p) => decodeRumorMessage(p) !== null).length;
        expect(s.malformedPackets).toBe(packets.length - valid);
        expect(s.pushesReceived + s.feedbackNew + s.feedbackKnown + s.feedbackIgnored).toBe(valid);
      }),
    );
  });

  it('rejects a bad config and an id the wire cannot carry', () => {
    expect(() => harness({ k: 0 })).toThrow(RangeError);
    expect(() => harness({ fanout: 1.5 })).toThrow(RangeError);
    expect(() => harness({ maxHot: 0 })).toThrow(RangeError);
    expect(() => harness({ intervalMs: 0 })).toThrow(RangeError);
    expect(() => harness({ jitterMs: INTERVAL_MS })).toThrow(RangeError);
    const h = harness();
    expect(() => h.monger.spread('', bytes('x'))).toThrow(RangeError);
    expect(() => h.monger.spread('x'.repeat(MAX_RUMOR_ID_BYTES + 1), bytes('x'))).toThrow(RangeError);
    h.monger.spread('x'.repeat(MAX_RUMOR_ID_BYTES), bytes('x'));
  });
});

describe('rumor codec', () => {
  const idArb = fc
    .string({ minLength: 1, maxLength: 40, unit: 'grapheme' })
    .filter((s) => new TextEncoder().encode(s).length <= MAX_RUMOR_ID_BYTES);

  it('push and feedback round-trip', () => {
    fc.assert(
      fc.property(idArb, fc.uint8Array({ maxLength: 100 }), fc.boolean(), (id, payload, isNew) => {
        expect(decodeRumorMessage(encodePush(id, payload))).toEqual({ kind: 'push', id, payload });
        const verdict = isNew ? 'new' : 'known';
        expect(decodeRumorMessage(encodeFeedback(id, verdict))).toEqual({ kind: 'feedback', id, verdict });
      }),
    );
  });

  it('rejects truncation, trailing bytes after a feedback, bad verdicts and invalid UTF-8', () => {
    const push = encodePush('id', bytes('p'));
    const feedback = encodeFeedback('id', 'new');
    for (let cut = 0; cut < 4; cut++) expect(decodeRumorMessage(push.subarray(0, cut))).toBeNull();
    for (let cut = 0; cut < feedback.length; cut++)
      expect(decodeRumorMessage(feedback.subarray(0, cut))).toBeNull();
    expect(decodeRumorMessage(Uint8Array.of(...feedback, 0))).toBeNull();
    expect(decodeRumorMessage(Uint8Array.of(2, 7, 1, 0x61))).toBeNull();
    expect(decodeRumorMessage(Uint8Array.of(1, 0))).toBeNull();
    expect(decodeRumorMessage(Uint8Array.of(1, 1, 0xff))).toBeNull();
    expect(decodeRumorMessage(Uint8Array.of(9, 1, 0x61))).toBeNull();
  });
});

describe('RumorMonger: the seen-id set (lru-cache, bounded by maxSeenIds)', () => {
  it('keeps the most recently pushed or spread ids up to maxSeenIds; a known id is refreshed, not re-asked', () => {
    const h = harness({ maxSeenIds: 3 }, { deliver: () => 'known' });
    const push = (id: string): void => h.monger.handlePacket('b', encodePush(id, bytes('x')));
    for (const id of ['a', 'b', 'c', 'a']) push(id); // the second a is known: a is now the most recent
    expect(h.delivered.map((d) => d.id)).toEqual(['a', 'b', 'c']);
    h.monger.spread('d', bytes('x')); // a local update is remembered too, and forgets b, the oldest
    expect(h.monger.seenIds).toBe(3);
    for (const id of ['c', 'a', 'd', 'b']) push(id);
    expect(h.delivered.map((d) => d.id)).toEqual(['a', 'b', 'c', 'b']);
  });

  it('never holds more than maxSeenIds ids and always remembers exactly the last distinct ones', () => {
    const op = fc.record({ spread: fc.boolean(), id: fc.integer({ min: 0, max: 12 }).map(String) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 60 }), (cap, ops) => {
        const h = harness({ maxSeenIds: cap, maxHot: 64 }, { deliver: () => 'known' });
        // The model: ids from least to most recently seen, at most cap.
        const model: string[] = [];
        for (const { spread, id } of ops) {
          const asked = h.delivered.length;
          if (spread) h.monger.spread(id, bytes('x'));
          else h.monger.handlePacket('b', encodePush(id, bytes('x')));
          if (!spread) expect(h.delivered.length - asked).toBe(model.includes(id) ? 0 : 1);
          if (model.includes(id)) model.splice(model.indexOf(id), 1);
          model.push(id);
          if (model.length > cap) model.shift();
          expect(h.monger.seenIds).toBe(model.length);
          expect(h.monger.seenIds).toBeLessThanOrEqual(cap);
        }
      }),
    );
  });
});

describe('pickPeers', () => {
  it('returns min(fanout, peers other than self) distinct peers, never self', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 10 }),
        fc.nat(),
        (n, fanout, seed) => {
          const peers = Array.from({ length: n }, (_, i) => `p${i}`);
          const picked = pickPeers(seededRandom(seed), peers, 'p0', fanout);
          expect(picked).toHaveLength(Math.min(fanout, Math.max(0, n - 1)));
          expect(new Set(picked).size).toBe(picked.length);
          expect(picked).not.toContain('p0');
        },
      ),
    );
  });
});

describe('rumor config', () => {
  it("Demers' residue solves s = e^{-(k+1)(1-s)} and falls with k", () => {
    let prev = 1;
    for (let k = 1; k <= 5; k++) {
      const s = demersResidue(k);
      expect(Math.abs(s - Math.exp(-(k + 1) * (1 - s)))).toBeLessThan(1e-12);
      expect(s).toBeLessThan(prev);
      prev = s;
    }
    // Sudbury (1985): the Maki–Thompson rumor (k = 1) misses ≈ 0.203 of the population.
    expect(demersResidue(1)).toBeCloseTo(0.2032, 4);
  });

  it('fills defaults', () => {
    expect(rumorConfig({ k: 4 })).toMatchObject({ k: 4, fanout: 1 });
  });
});
