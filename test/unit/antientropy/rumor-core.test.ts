import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type FeedbackOutcome,
  MAX_RUMOR_ID_BYTES,
  RumorCore,
  type RumorCoreInit,
  type RumorVerdict,
} from '../../../src/antientropy/rumor-core.js';
import { seededRandom } from '../../../src/runtime/random.js';

/**
 * The protocol of rumor mongering (Demers et al. 1987, §1.4: push, feedback, counter) as the pure core states
 * it: no timer and no transport, so each case is a list of steps and what they answer.
 */

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const PEERS = ['a', 'b', 'c', 'd', 'e'];

function core(init: Partial<RumorCoreInit> = {}): RumorCore {
  return new RumorCore({ k: 2, fanout: 1, maxHot: 8, self: 'a', ...init });
}

/** A deliver that answers from a table (default 'new') and records what it was asked. */
function app(answers: Record<string, RumorVerdict> = {}) {
  const asked: string[] = [];
  const deliver = (id: string): RumorVerdict => {
    asked.push(id);
    return answers[id] ?? 'new';
  };
  return { asked, deliver };
}

describe('RumorCore: a push received', () => {
  const cases: {
    name: string;
    before: (c: RumorCore) => void;
    answers?: Record<string, RumorVerdict>;
    verdict: RumorVerdict;
    asked: number;
    hot: boolean;
  }[] = [
    { name: 'new to the application → "new", hot', before: () => {}, verdict: 'new', asked: 1, hot: true },
    {
      name: 'the application had it → "known", not hot',
      before: () => {},
      answers: { u: 'known' },
      verdict: 'known',
      asked: 1,
      hot: false,
    },
    {
      name: 'an id seen before → "known" without asking the application',
      before: (c) => c.receive('u', bytes('x'), () => 'known'),
      verdict: 'known',
      asked: 0,
      hot: false,
    },
    {
      name: 'an id spread here → "known" without asking (and it stays hot)',
      before: (c) => c.spread('u', bytes('x')),
      verdict: 'known',
      asked: 0,
      hot: true,
    },
  ];
  for (const t of cases) {
    it(t.name, () => {
      const c = core();
      t.before(c);
      const a = app(t.answers);
      expect(c.receive('u', bytes('p'), a.deliver)).toBe(t.verdict);
      expect(a.asked).toHaveLength(t.asked);
      expect(c.isHot('u')).toBe(t.hot);
    });
  }

  it('a hot copy does not alias the buffer it was received in', () => {
    const c = core();
    const buf = bytes('abc');
    c.receive('u', buf, () => 'new');
    buf.fill(0);
    expect(c.round(PEERS, seededRandom(1))[0]?.payload).toEqual(bytes('abc'));
  });

  it('counts every push received', () => {
    const c = core();
    for (const id of ['u', 'u', 'v']) c.receive(id, bytes('x'), () => 'new');
    expect(c.stats.pushesReceived).toBe(3);
  });
});

describe('RumorCore: feedback and the counter', () => {
  // k = 2; every step is a round (one push to the one peer there is) or that peer's answer.
  const cases: { name: string; answers: (RumorVerdict | 'round')[]; outcomes: FeedbackOutcome[] }[] = [
    {
      name: 'k "known" answers retire the rumor; "new" answers do not count',
      answers: ['round', 'new', 'round', 'known', 'round', 'known'],
      outcomes: ['new', 'known', 'retired'],
    },
    {
      name: 'an answer owed by no push is ignored (a duplicate, a late one)',
      answers: ['round', 'known', 'known', 'round', 'known'],
      outcomes: ['known', 'ignored', 'retired'],
    },
    {
      name: 'answers to a retired rumor are ignored',
      answers: ['round', 'round', 'round', 'known', 'known', 'known'],
      outcomes: ['known', 'retired', 'ignored'],
    },
  ];
  for (const t of cases) {
    it(t.name, () => {
      const c = core({ k: 2 });
      c.spread('u', bytes('x'));
      const outcomes: FeedbackOutcome[] = [];
      for (const step of t.answers) {
        if (step === 'round') c.round(['a', 'b'], seededRandom(1));
        else outcomes.push(c.feedback('b', 'u', step));
      }
      expect(outcomes).toEqual(t.outcomes);
      expect(c.isHot('u')).toBe(!t.outcomes.includes('retired'));
    });
  }

  it('feedback from a peer never pushed to, or for an id not hot, is ignored and counted', () => {
    const c = core();
    c.spread('u', bytes('x'));
    c.round(['a', 'b'], seededRandom(1));
    expect(c.feedback('z', 'u', 'known')).toBe('ignored');
    expect(c.feedback('b', 'other', 'known')).toBe('ignored');
    expect(c.stats).toMatchObject({ feedbackIgnored: 2, feedbackKnown: 0, feedbackNew: 0 });
  });

  it('a peer pushed to twice owes two answers', () => {
    const c = core({ k: 2 });
    c.spread('u', bytes('x'));
    c.round(['b'], seededRandom(1));
    c.round(['b'], seededRandom(1));
    expect([c.feedback('b', 'u', 'known'), c.feedback('b', 'u', 'known')]).toEqual(['known', 'retired']);
  });

  it('spreading an id again restarts it with a fresh counter', () => {
    const c = core({ k: 2 });
    c.spread('u', bytes('x'));
    c.round(['b'], seededRandom(1));
    c.feedback('b', 'u', 'known');
    c.spread('u', bytes('x'));
    c.round(['b'], seededRandom(1));
    expect(c.feedback('b', 'u', 'known')).toBe('known');
  });

  it('an answer lost long ago ages out: at most 4 rounds × fanout peers are owed answers', () => {
    const c = core({ k: 1, fanout: 1 });
    c.spread('u', bytes('x'));
    const peers = ['p0', 'p1', 'p2', 'p3', 'p4'];
    for (const p of peers) c.round([p], seededRandom(1));
    expect(c.feedback('p0', 'u', 'known')).toBe('ignored');
    expect(c.feedback('p1', 'u', 'known')).toBe('retired');
  });

  it('retires after exactly k owed "known" answers, whatever else arrives (a property)', () => {
    const step = fc.oneof(
      fc.constant({ kind: 'round' as const }),
      fc.record({
        kind: fc.constant('answer' as const),
        peer: fc.constantFrom('b', 'c', 'z'),
        known: fc.boolean(),
      }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(step, { maxLength: 40 }),
        fc.nat(),
        (k, steps, seed) => {
          const random = seededRandom(seed);
          const c = core({ k, fanout: 1 });
          c.spread('u', bytes('x'));
          // The model: answers owed per peer, and "known" answers counted.
          const owed = new Map<string, number>();
          let known = 0;
          let retired = false;
          for (const s of steps) {
            if (s.kind === 'round') {
              const pushes = c.round(['a', 'b', 'c'], random);
              expect(pushes).toHaveLength(retired ? 0 : 1);
              for (const p of pushes) owed.set(p.peer, (owed.get(p.peer) ?? 0) + 1);
              continue;
            }
            const outcome = c.feedback(s.peer, 'u', s.known ? 'known' : 'new');
            const due = !retired && (owed.get(s.peer) ?? 0) > 0;
            if (due) owed.set(s.peer, (owed.get(s.peer) ?? 0) - 1);
            if (due && s.known) known++;
            const expected: FeedbackOutcome = !due
              ? 'ignored'
              : !s.known
                ? 'new'
                : known >= k
                  ? 'retired'
                  : 'known';
            expect(outcome).toBe(expected);
            if (expected === 'retired') retired = true;
          }
          expect(c.isHot('u')).toBe(!retired);
          expect(c.stats.rumorsRetired).toBe(retired ? 1 : 0);
        },
      ),
    );
  });
});

describe('RumorCore: a round', () => {
  it('pushes each hot rumor, oldest first, to `fanout` distinct peers, never to itself', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 12 }),
        fc.nat(),
        (fanout, n, seed) => {
          const c = core({ fanout, self: 'p0' });
          c.spread('u1', bytes('1'));
          c.spread('u2', bytes('2'));
          const peers = Array.from({ length: n }, (_, i) => `p${i}`);
          const pushes = c.round(peers, seededRandom(seed));
          const per = Math.min(fanout, Math.max(0, n - 1));
          expect(pushes.map((p) => p.id)).toEqual([...Array(per).fill('u1'), ...Array(per).fill('u2')]);
          for (const id of ['u1', 'u2']) {
            const to = pushes.filter((p) => p.id === id).map((p) => p.peer);
            expect(new Set(to).size).toBe(to.length);
            expect(to).not.toContain('p0');
          }
          expect(c.stats.pushesSent).toBe(2 * per);
        },
      ),
    );
  });

  it('pushes nothing when nothing is hot or there is no peer but itself', () => {
    const c = core();
    expect(c.round(PEERS, seededRandom(1))).toEqual([]);
    c.spread('u', bytes('x'));
    expect(c.round(['a'], seededRandom(1))).toEqual([]);
    expect(c.round([], seededRandom(1))).toEqual([]);
  });

  it('keeps at most maxHot rumors, evicting the oldest first', () => {
    const c = core({ maxHot: 3 });
    for (const id of ['u0', 'u1', 'u2', 'u3', 'u4']) c.spread(id, bytes(id));
    expect(c.hotIds()).toEqual(['u2', 'u3', 'u4']);
    c.receive('r', bytes('r'), () => 'new');
    expect(c.hotIds()).toEqual(['u3', 'u4', 'r']);
    expect(c.stats).toMatchObject({ rumorsHot: 3, rumorsEvicted: 3 });
    expect(c.round(PEERS, seededRandom(1)).map((p) => p.id)).toEqual(['u3', 'u4', 'r']);
  });
});

describe('RumorCore: the seen-id set (lru-cache, bounded by maxSeenIds)', () => {
  it('never holds more than maxSeenIds ids and always remembers exactly the last distinct ones', () => {
    const op = fc.record({ spread: fc.boolean(), id: fc.integer({ min: 0, max: 12 }).map(String) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 60 }), (cap, ops) => {
        const c = core({ maxSeenIds: cap, maxHot: 64 });
        const a = app();
        const model: string[] = [];
        for (const { spread, id } of ops) {
          const asked = a.asked.length;
          if (spread) c.spread(id, bytes('x'));
          else c.receive(id, bytes('x'), a.deliver);
          if (!spread) expect(a.asked.length - asked).toBe(model.includes(id) ? 0 : 1);
          if (model.includes(id)) model.splice(model.indexOf(id), 1);
          model.push(id);
          if (model.length > cap) model.shift();
          expect(c.seenIds).toBe(model.length);
        }
      }),
    );
  });
});

describe('RumorCore: bad input', () => {
  it('rejects a bad parameter and an id no carrier can take', () => {
    expect(() => core({ k: 0 })).toThrow(RangeError);
    expect(() => core({ fanout: 1.5 })).toThrow(RangeError);
    expect(() => core({ maxHot: 0 })).toThrow(RangeError);
    expect(() => core({ maxSeenIds: 0 })).toThrow(RangeError);
    const c = core();
    expect(() => c.spread('', bytes('x'))).toThrow(RangeError);
    expect(() => c.spread('x'.repeat(MAX_RUMOR_ID_BYTES + 1), bytes('x'))).toThrow(RangeError);
    c.spread('x'.repeat(MAX_RUMOR_ID_BYTES), bytes('x'));
  });

  it('counts what a driver could not read', () => {
    const c = core();
    c.malformed();
    c.malformed();
    expect(c.stats.malformedPackets).toBe(2);
  });
});
