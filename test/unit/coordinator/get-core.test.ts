import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GetCore, type GetReplicaResult, type GetResponse } from '../../../src/coordinator/get-core.js';
import { type DvvSet, join, newSet, newWithContext, update, values } from '../../../src/versioning/dvvset.js';
import { replicaId } from '../../../src/versioning/replica-id.js';
import { EMPTY_VV } from '../../../src/versioning/version-vector.js';
import { bytesValue, TOMBSTONE, type VersionedValue } from '../../../src/versioning/versioned-value.js';

// Four histories of one key, written at replicas x and y:
//   A        {x:1 [A]}                 the first write
//   B        {x:2 [B]}                 a write over A (newer)
//   C        {x:1 []} {y:1 [C]}        a write over A at y, concurrent with B and T
//   T        {x:3 [tombstone]}         a delete over B
// Causal order: A < B < T, A < C; C ∥ B, C ∥ T.
const x = replicaId('x');
const y = replicaId('y');
const label = (s: string): VersionedValue => bytesValue(new TextEncoder().encode(s));
const setA = update(newSet(label('A')), undefined, x);
const setB = update(newWithContext(join(setA), label('B')), setA, x);
const setC = update(newWithContext(join(setA), label('C')), undefined, y);
const setT = update(newWithContext(join(setB), TOMBSTONE), setB, x);

type Kind = 'A' | 'B' | 'C' | 'T' | 'notfound' | 'error';
type Version = 'A' | 'B' | 'C' | 'T';
const SETS: Record<Version, DvvSet<VersionedValue>> = { A: setA, B: setB, C: setC, T: setT };
const DOMINATED_BY: Record<Version, readonly Version[]> = { A: ['B', 'C', 'T'], B: ['T'], C: [], T: [] };

function result(kind: Kind): GetReplicaResult {
  if (kind === 'notfound') return { kind: 'notfound' };
  if (kind === 'error') return { kind: 'error', reason: 'timeout' };
  return { kind: 'found', set: SETS[kind] };
}

const labelOf = (v: VersionedValue): string =>
  v.kind === 'tombstone' ? 'T' : new TextDecoder().decode(v.bytes);
const siblings = (set: DvvSet<VersionedValue>): string[] => values(set).map(labelOf).sort();

/** The oracle's merge: the found versions no other found version dominates. */
function expectedSiblings(found: readonly Version[]): Version[] {
  return [...new Set(found)].filter((v) => !DOMINATED_BY[v].some((w) => found.includes(w))).sort();
}

function replay(config: { n: number; r: number }, kinds: readonly Kind[]): GetCore {
  return kinds.reduce((core, k, i) => core.addResult(`r${i}`, result(k)), GetCore.create(config));
}

describe('GetCore: reads as specifications', () => {
  it('a read with R=2 that sees one stale and one fresh replica answers the fresh value and repairs the stale replica', () => {
    let core = GetCore.create({ n: 3, r: 2 });
    core = core.addResult('a', result('A'));
    expect(core.enough()).toBe(false);
    core = core.addResult('b', result('B'));
    expect(core.enough()).toBe(true);
    const res = core.response();
    expect(res.kind).toBe('ok');
    if (res.kind === 'ok') expect(siblings(res.merged)).toEqual(['B']);
    core = core.addResult('c', result('B'));
    expect(core.finalAction()).toEqual({
      kind: 'read-repair',
      replicas: [{ replica: 'a', reason: 'outofdate' }],
      merged: setB,
    });
  });

  it('a read that sees two concurrent writes answers both as siblings and repairs both replicas', () => {
    const core = replay({ n: 2, r: 2 }, ['B', 'C']);
    const res = core.response();
    expect(res.kind === 'ok' && siblings(res.merged)).toEqual(['B', 'C']);
    const action = core.finalAction();
    expect(action.kind === 'read-repair' && action.replicas.map((x) => x.reason)).toEqual([
      'outofdate',
      'outofdate',
    ]);
  });

  it('a replica that says notfound while another has the value is repaired', () => {
    const core = replay({ n: 2, r: 1 }, ['notfound', 'A']);
    expect(core.finalAction()).toEqual({
      kind: 'read-repair',
      replicas: [{ replica: 'r0', reason: 'notfound' }],
      merged: setA,
    });
  });

  it('a notfound counts towards R (notfound_ok): a first notfound answers a read with R=1, 404 with no context', () => {
    const core = replay({ n: 3, r: 1 }, ['notfound']);
    expect(core.enough()).toBe(true);
    expect(core.response()).toEqual({ kind: 'notfound', context: EMPTY_VV });
  });

  it('R notfounds agreeing on absence answer 404, not 503', () => {
    const core = replay({ n: 3, r: 2 }, ['notfound', 'notfound']);
    expect(core.enough()).toBe(true);
    expect(core.response()).toEqual({ kind: 'notfound', context: EMPTY_VV });
  });

  it('a deleted key reads as 404 carrying the tombstone clock, so a later write supersedes the delete', () => {
    const core = replay({ n: 3, r: 2 }, ['T', 'T']);
    expect(core.response()).toEqual({ kind: 'notfound', context: join(setT) });
  });

  it('when all N replicas hold the same tombstone the key is a reap candidate', () => {
    const core = replay({ n: 3, r: 2 }, ['T', 'T', 'T']);
    expect(core.finalAction()).toEqual({ kind: 'delete', context: join(setT), replicas: ['r0', 'r1', 'r2'] });
  });

  it('a tombstone missing on one replica is repaired first, not reaped', () => {
    expect(replay({ n: 3, r: 2 }, ['T', 'T', 'notfound']).finalAction().kind).toBe('read-repair');
    expect(replay({ n: 3, r: 2 }, ['T', 'T', 'B']).finalAction().kind).toBe('read-repair');
    // Only N−1 answered (timeout): not every replica is known to hold it.
    expect(replay({ n: 3, r: 2 }, ['T', 'T']).finalAction()).toEqual({ kind: 'nop' });
  });

  it('a read with R=2 of N=3 that gets two errors is unavailable at once and says how many answered', () => {
    const core = replay({ n: 3, r: 2 }, ['A', 'error', 'error']);
    expect(replay({ n: 3, r: 2 }, ['A', 'error']).enough()).toBe(false);
    expect(core.enough()).toBe(true);
    expect(core.response()).toEqual({
      kind: 'unavailable',
      needed: 2,
      got: 1,
      errors: [
        { replica: 'r1', reason: 'timeout' },
        { replica: 'r2', reason: 'timeout' },
      ],
    });
  });

  it('a duplicate reply (retransmit) is ignored: the first answer counts, and it cannot fake a quorum', () => {
    const core = GetCore.create({ n: 3, r: 2 }).addResult('a', result('A')).addResult('a', result('B'));
    expect(core.enough()).toBe(false);
    expect(core.merged()).toEqual(setA);
  });

  it('rejects impossible configurations and more than N replies as programmer errors', () => {
    expect(() => GetCore.create({ n: 3, r: 0 })).toThrow(RangeError);
    expect(() => GetCore.create({ n: 3, r: 4 })).toThrow(RangeError);
    expect(() => GetCore.create({ n: 0, r: 1 })).toThrow(RangeError);
    expect(() => replay({ n: 1, r: 1 }, ['A', 'B'])).toThrow();
  });
});

function* sequences<T>(alphabet: readonly T[], length: number): Generator<readonly T[]> {
  if (length === 0) {
    yield [];
    return;
  }
  for (const head of alphabet) for (const tail of sequences(alphabet, length - 1)) yield [head, ...tail];
}

const KINDS: readonly Kind[] = ['A', 'B', 'C', 'T', 'notfound', 'error'];

function checkSequence(config: { n: number; r: number }, kinds: readonly Kind[]): void {
  const { n, r } = config;
  let core = GetCore.create(config);
  expect(core.enough()).toBe(false);
  let enoughSeen = false;
  for (let i = 0; i < n; i++) {
    core = core.addResult(`r${i}`, result(kinds[i]!));
    const prefix = kinds.slice(0, i + 1);
    const found = prefix.filter((k): k is Version => k !== 'notfound' && k !== 'error');
    const notfounds = prefix.filter((k) => k === 'notfound').length;
    const errors = prefix.filter((k) => k === 'error').length;
    // A notfound is a success (notfound_ok); only errors fail.
    const successes = found.length + notfounds;
    const remaining = n - prefix.length;
    // Model of enough: R met, or R out of reach even if every silent replica succeeds.
    const model = successes >= r || successes + remaining < r;
    if (core.enough() !== model) expect.fail(`enough=${core.enough()} for n=${n} r=${r} ${prefix}`);
    // enough is monotone: once the request may answer, more replies do not take it back.
    if (enoughSeen) expect(core.enough()).toBe(true);
    enoughSeen ||= model;
    checkResponse(core.response(), { found, errors, successes, r });
    checkFinalAction(core, prefix, n);
  }
  expect(core.hasAllResults()).toBe(true);
  expect(core.enough()).toBe(true);
}

describe('GetCore: every reply sequence', () => {
  // Every sequence of N replies over six kinds (orderings included), every R, checked after every
  // reply (each prefix is also a timed-out request).
  for (const n of [1, 2, 3]) {
    it(`N=${n}, exhaustively: enough, response and final action match the model after every reply`, () => {
      let checked = 0;
      for (let r = 1; r <= n; r++) {
        for (const kinds of sequences(KINDS, n)) {
          checkSequence({ n, r }, kinds);
          checked++;
        }
      }
      expect(checked).toBe(n * KINDS.length ** n);
    });
  }

  it('N=5, sampled: enough, response and final action match the model after every reply', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.constantFrom(...KINDS), { minLength: 5, maxLength: 5 }),
        (r, kinds) => checkSequence({ n: 5, r }, kinds),
      ),
      { numRuns: 3000 },
    );
  });
});

function checkResponse(
  res: GetResponse<string>,
  m: { found: readonly Version[]; errors: number; successes: number; r: number },
): void {
  const merged = expectedSiblings(m.found);
  const deleted = merged.every((v) => v === 'T');
  const answered = m.successes >= m.r;
  if (!answered) {
    expect(res.kind).toBe('unavailable');
    if (res.kind === 'unavailable') {
      expect(res.needed).toBe(m.r);
      expect(res.got).toBe(m.successes);
      expect(res.errors).toHaveLength(m.errors);
    }
  } else if (deleted) {
    // No value lost: a tombstone-only merge means every found value was deleted over.
    expect(res).toEqual({ kind: 'notfound', context: m.found.length === 0 ? EMPTY_VV : join(SETS.T) });
  } else {
    expect(res.kind).toBe('ok');
    // No value lost, no dominated value kept.
    if (res.kind === 'ok') {
      expect(siblings(res.merged)).toEqual(merged);
      expect(res.context).toEqual(join(res.merged));
    }
  }
}

function checkFinalAction(core: GetCore, prefix: readonly Kind[], n: number): void {
  const found = prefix.filter((k): k is Version => k !== 'notfound' && k !== 'error');
  const merged = expectedSiblings(found);
  const action = core.finalAction();
  if (found.length === 0) {
    expect(action).toEqual({ kind: 'nop' });
    return;
  }
  // A replica is current iff it already holds exactly the merge (each history holds one value).
  const stale = prefix.flatMap((k, i) => {
    if (k === 'notfound') return [{ replica: `r${i}`, reason: 'notfound' }];
    if (k === 'error') return [];
    return merged.length === 1 && merged[0] === k ? [] : [{ replica: `r${i}`, reason: 'outofdate' }];
  });
  if (stale.length > 0) {
    expect(action.kind).toBe('read-repair');
    if (action.kind === 'read-repair') {
      expect(action.replicas).toEqual(stale);
      expect(siblings(action.merged)).toEqual(merged);
    }
  } else if (merged.length === 1 && merged[0] === 'T' && found.length === n) {
    expect(action).toEqual({
      kind: 'delete',
      context: join(SETS.T),
      replicas: prefix.map((_, i) => `r${i}`),
    });
  } else {
    expect(action).toEqual({ kind: 'nop' });
  }
}
