import { describe, expect, it } from 'vitest';
import {
  cachedOverrides,
  checkGlobalWrite,
  describeJson,
  describeNamespaces,
  effectiveSettings,
  type GlobalSettingsView,
  MAX_PARSED_OVERRIDES,
  parseGlobalKey,
  parseSettingsValue,
  settingsKey,
} from '../../../src/coordinator/namespace-settings.js';
import { defaultKvConfig, type KvConfig } from '../../../src/node/store-config.js';
import type { VSet } from '../../../src/replica/replica.js';
import { newSet, sync, update } from '../../../src/versioning/dvvset.js';
import { replicaId } from '../../../src/versioning/replica-id.js';
import { bytesValue, TOMBSTONE, type VersionedValue } from '../../../src/versioning/versioned-value.js';

const enc = new TextEncoder();
const key = (s: string): Uint8Array => enc.encode(s);
const json = (s: string): VersionedValue => bytesValue(enc.encode(s));
/** A set holding one write of `value` by `replica`. */
const stored = (value: VersionedValue, replica = 'n0'): VSet =>
  update(newSet(value), undefined, replicaId(replica));

class FakeGlobal implements GlobalSettingsView {
  readonly #sets = new Map<string, { key: Uint8Array; set: VSet }>();
  put(k: string, set: VSet): this {
    this.#sets.set(k, { key: key(k), set });
    return this;
  }
  get(k: Uint8Array): VSet | undefined {
    return this.#sets.get(new TextDecoder().decode(k))?.set;
  }
  entries() {
    return this.#sets.values();
  }
}

const config = (namespaces: KvConfig['namespaces'] = {}): KvConfig => ({ ...defaultKvConfig(), namespaces });
const write = (k: string, value: string, c: Partial<Parameters<typeof checkGlobalWrite>[2]> = {}) =>
  checkGlobalWrite(key(k), json(value), { config: config(), current: undefined, owners: 3, ...c });

describe('the _global key schema: only ns/<name> for a client namespace other than _global', () => {
  it('accepts any valid namespace name after ns/', () => {
    for (const name of ['bank', 'a/b', 'ünïcode', 'x'.repeat(255), 'default', '_globalish']) {
      expect(parseGlobalKey(key(`ns/${name}`)), name).toEqual({ ok: true, value: name });
    }
  });

  it('refuses every other key, naming it and listing the known key forms', () => {
    for (const k of ['bank2', 'NS/bank', 'ns', 'settings/bank', ' ns/bank']) {
      const r = parseGlobalKey(key(k));
      expect(r.ok, k).toBe(false);
      if (!r.ok) {
        expect(r.error).toContain(`unknown _global key ${JSON.stringify(k)}`);
        expect(r.error).toContain('known keys: ns/<name> (settings of namespace <name>');
      }
    }
  });

  it('refuses an empty, oversized, reserved or _global name, and bytes that are not UTF-8', () => {
    const cases: [Uint8Array, RegExp][] = [
      [key('ns/'), /"ns\/": namespace name "" must be 1..255 bytes/],
      [key(`ns/${'x'.repeat(256)}`), /must be 1..255 bytes/],
      [key('ns/\u0000data'), /not reserved/],
      [key('ns/_global'), /_global itself has no settings/],
      [new Uint8Array([0x6e, 0x73, 0x2f, 0xff]), /not UTF-8; known keys: ns\/<name>/],
    ];
    for (const [k, error] of cases) {
      const r = parseGlobalKey(k);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(error);
    }
  });
});

describe('settings values: a JSON object of known fields, each of exactly its type', () => {
  it('accepts every field in every documented form; quorums are kept as the strings ?r= takes', () => {
    const good: [string, object][] = [
      ['{}', {}],
      ['{"n":1}', { n: 1 }],
      ['{"n":64}', { n: 64 }],
      ['{"r":"one","w":"all"}', { r: 'one', w: 'all' }],
      ['{"r":"quorum"}', { r: 'quorum' }],
      ['{"r":2,"w":"3"}', { r: '2', w: '3' }],
      ['{"strict":true}', { strict: true }],
      ['{"strict":false,"conflict":"lww"}', { strict: false, conflict: 'lww' }],
      ['{"conflict":"siblings"}', { conflict: 'siblings' }],
      [
        '{"n":5,"r":"quorum","w":4,"strict":true,"conflict":"siblings"}',
        { n: 5, r: 'quorum', w: '4', strict: true, conflict: 'siblings' },
      ],
    ];
    for (const [text, value] of good) {
      expect(parseSettingsValue(enc.encode(text)), text).toEqual({ ok: true, value });
    }
  });

  it('refuses each wrong type saying what was received, with its JSON type', () => {
    const bad: [string, string][] = [
      ['{"n":"3"}', 'n must be an integer in [1, 64], got the string "3"'],
      ['{"n":3.5}', 'n must be an integer in [1, 64], got the number 3.5'],
      ['{"n":0}', 'n must be an integer in [1, 64], got the number 0'],
      ['{"n":65}', 'n must be an integer in [1, 64], got the number 65'],
      ['{"n":null}', 'n must be an integer in [1, 64], got null'],
      ['{"n":true}', 'n must be an integer in [1, 64], got the boolean true'],
      ['{"n":[3]}', 'n must be an integer in [1, 64], got the array [3]'],
      ['{"r":"two"}', 'r must be one, quorum, all or a positive integer, got the string "two"'],
      ['{"r":0}', 'r must be one, quorum, all or a positive integer, got the number 0'],
      ['{"w":1.5}', 'w must be one, quorum, all or a positive integer, got the number 1.5'],
      ['{"w":"02"}', 'w must be one, quorum, all or a positive integer, got the string "02"'],
      ['{"w":"ALL"}', 'w must be one, quorum, all or a positive integer, got the string "ALL"'],
      ['{"r":{"q":1}}', 'r must be one, quorum, all or a positive integer, got the object {"q":1}'],
      ['{"strict":"true"}', 'strict must be true or false, got the string "true"'],
      ['{"strict":1}', 'strict must be true or false, got the number 1'],
      ['{"conflict":"LWW"}', 'conflict must be "siblings" or "lww", got the string "LWW"'],
      ['{"conflict":["lww"]}', 'conflict must be "siblings" or "lww", got the array ["lww"]'],
      ['{"colour":"blue","n":3}', 'unknown namespace settings colour (known: n, r, w, strict, conflict)'],
      ['not json', 'namespace settings must be a JSON object, got text that is not JSON'],
      ['[]', 'namespace settings must be a JSON object, got the array []'],
      ['"x"', 'namespace settings must be a JSON object, got the string "x"'],
      ['null', 'namespace settings must be a JSON object, got null'],
      ['3', 'namespace settings must be a JSON object, got the number 3'],
    ];
    for (const [text, error] of bad) {
      expect(parseSettingsValue(enc.encode(text)), text).toEqual({ ok: false, error });
    }
  });

  it('lists every bad field at once', () => {
    expect(parseSettingsValue(enc.encode('{"n":"3","strict":"yes"}'))).toEqual({
      ok: false,
      error:
        'n must be an integer in [1, 64], got the string "3"; strict must be true or false, got the string "yes"',
    });
  });

  it('shortens a long received value', () => {
    expect(describeJson('x'.repeat(100))).toBe(`the string "${'x'.repeat(36)}...`);
  });
});

describe('checkGlobalWrite: what a write to _global must satisfy before it is stored', () => {
  it('stores a valid override of a namespace', () => {
    expect(write('ns/bank', '{"strict":true}')).toBeUndefined();
    expect(write('ns/bank', '{"n":3,"r":"all","w":1}')).toBeUndefined();
    expect(write('ns/bank', '{"n":2,"r":2}')).toBeUndefined();
  });

  it('refuses a key outside the schema and a bad value, prefixed with the key', () => {
    expect(write('bank2', '{"strict":true}')).toMatch(/^unknown _global key "bank2"; known keys: ns\/<name>/);
    expect(write('ns/', '{"strict":true}')).toMatch(/namespace name "" must be/);
    expect(write('ns/_global', '{"n":1}')).toMatch(/_global itself has no settings/);
    expect(write('ns/bank', '{"n":"3"}')).toBe(
      'settings ns/bank: n must be an integer in [1, 64], got the string "3"',
    );
  });

  it('refuses n above the members that own partitions, saying how many there are', () => {
    expect(write('ns/bank', '{"n":64}')).toBe(
      'settings ns/bank: n 64 is more than the 3 members that own partitions in this cluster; add members first',
    );
    expect(write('ns/bank', '{"n":2}', { owners: 1 })).toMatch(/more than the 1 member that own/);
    expect(write('ns/bank', '{"n":4}', { owners: 4 })).toBeUndefined();
    // Only an n the write asks for is checked: the default n = 3 on a one-node cluster is not the writer's.
    expect(write('ns/bank', '{"strict":true}', { owners: 1 })).toBeUndefined();
  });

  it('checks quorums and strict mode against the n the namespace will have (node config, then the value)', () => {
    expect(write('ns/bank', '{"n":2,"r":3}')).toBe(
      'settings ns/bank: r must be one, quorum, all or an integer in [1, 2]',
    );
    expect(write('ns/bank', '{"strict":true,"r":"one","w":"one"}')).toMatch(
      /^settings ns\/bank: strict mode requires W \+ R > N \(got W=1, R=1, N=3\)$/,
    );
    expect(write('ns/bank', '{"strict":true,"conflict":"lww"}')).toMatch(
      /strict mode and conflict lww are exclusive/,
    );
    const c = { config: config({ bank: { n: 5 } }), owners: 5 };
    expect(write('ns/bank', '{"r":4}', c)).toBeUndefined();
    expect(write('ns/bank', '{"r":6}', c)).toMatch(/r must be .* \[1, 5\]/);
    expect(write('ns/other', '{"r":4}', c)).toMatch(/r must be .* \[1, 3\]/);
  });

  it('a delete of a settings key removes the override; of another key only if one holds a value here', () => {
    const del = (k: string, current?: VSet) =>
      checkGlobalWrite(key(k), TOMBSTONE, { config: config(), current, owners: 3 });
    expect(del('ns/bank')).toBeUndefined();
    expect(del('bank2')).toMatch(/^unknown _global key "bank2"; known keys/);
    expect(del('ns/_global')).toMatch(/_global itself has no settings/);
    // Stored before the schema was enforced: it can still be cleaned up, once.
    expect(del('bank2', stored(json('{"strict":true}')))).toBeUndefined();
    expect(del('bank2', stored(TOMBSTONE))).toMatch(/unknown _global key/);
  });
});

describe('effective settings: defaults, then the node config, then the cluster override', () => {
  it('layers the three', () => {
    const g = new FakeGlobal().put('ns/bank', stored(json('{"strict":true,"r":"all"}')));
    const c = config({ bank: { n: 5, r: 'one' }, sessions: { conflict: 'lww' } });
    expect(effectiveSettings(c, g, 'bank')).toEqual({
      n: 5,
      r: 'all',
      w: 'quorum',
      strict: true,
      conflict: 'siblings',
    });
    expect(effectiveSettings(c, g, 'sessions')).toEqual({ ...c.defaults, conflict: 'lww' });
    expect(effectiveSettings(c, g, 'other')).toEqual(c.defaults);
  });

  it('ignores a deleted override and one stored before the schema was enforced', () => {
    const g = new FakeGlobal()
      .put('ns/gone', stored(TOMBSTONE))
      .put('ns/old', stored(json('{"n":"5","strict":true}')));
    expect(effectiveSettings(config(), g, 'gone')).toEqual(config().defaults);
    expect(effectiveSettings(config(), g, 'old')).toEqual(config().defaults);
  });

  it('concurrent overrides resolve to the greatest-dot sibling on every node', () => {
    const a = stored(json('{"r":"one"}'), 'a');
    const b = stored(json('{"r":"all"}'), 'b');
    for (const set of [sync(a, b), sync(b, a)]) {
      const g = new FakeGlobal().put('ns/bank', set);
      expect(effectiveSettings(config(), g, 'bank').r).toBe('all');
    }
  });
});

describe('the parsed-override cache (lru-cache, at most MAX_PARSED_OVERRIDES sets)', () => {
  it('parses a stored set once, and holds at most MAX_PARSED_OVERRIDES sets however many are read', () => {
    const c = config();
    const g = new FakeGlobal();
    const before = cachedOverrides();
    const first = stored(json('{"r":"one"}'));
    g.put('ns/bank', first);
    effectiveSettings(c, g, 'bank');
    effectiveSettings(c, g, 'bank');
    expect(cachedOverrides()).toBe(Math.min(before + 1, MAX_PARSED_OVERRIDES));
    // Every write replaces the set: a new set is a new entry, and the oldest are forgotten past the bound.
    for (let i = 0; i < MAX_PARSED_OVERRIDES + 100; i++) {
      g.put('ns/bank', stored(json(`{"n":${(i % 5) + 1}}`)));
      expect(effectiveSettings(c, g, 'bank').n).toBe((i % 5) + 1);
      expect(cachedOverrides()).toBeLessThanOrEqual(MAX_PARSED_OVERRIDES);
    }
    expect(cachedOverrides()).toBe(MAX_PARSED_OVERRIDES);
    // A set forgotten by the cache is parsed again, to the same answer.
    g.put('ns/bank', first);
    expect(effectiveSettings(c, g, 'bank').r).toBe('one');
  });
});

describe('describeNamespaces: every namespace a node knows, with the source of each value', () => {
  it('lists overrides, configured and held namespaces once each, sorted, without _global or junk keys', () => {
    const g = new FakeGlobal()
      .put('ns/bank', stored(json('{"strict":true,"r":"all"}')))
      .put('ns/cache', stored(json('{"n":1}')))
      .put('ns/old', stored(json('{"n":"3"}')))
      .put('ns/gone', stored(TOMBSTONE))
      .put('bank2', stored(json('{"strict":true}')));
    const c = config({ bank: { n: 5 }, sessions: { conflict: 'lww' } });
    const report = describeNamespaces(c, g, ['default', 'bank', 'users', '_global']);
    expect(report.defaults).toEqual(c.defaults);
    expect(report.namespaces.map((n) => n.name)).toEqual([
      'bank',
      'cache',
      'default',
      'old',
      'sessions',
      'users',
    ]);
    const byName = new Map(report.namespaces.map((n) => [n.name, n]));
    expect(byName.get('bank')).toEqual({
      name: 'bank',
      settings: { n: 5, r: 'all', w: 'quorum', strict: true, conflict: 'siblings' },
      source: { n: 'node-config', r: 'cluster', w: 'default', strict: 'cluster', conflict: 'default' },
    });
    expect(byName.get('cache')?.source).toEqual({
      n: 'cluster',
      r: 'default',
      w: 'default',
      strict: 'default',
      conflict: 'default',
    });
    expect(byName.get('sessions')?.source.conflict).toBe('node-config');
    expect(byName.get('users')).toEqual({
      name: 'users',
      settings: c.defaults,
      source: { n: 'default', r: 'default', w: 'default', strict: 'default', conflict: 'default' },
    });
    expect(byName.get('old')).toMatchObject({
      settings: c.defaults,
      ignoredOverride: 'n must be an integer in [1, 64], got the string "3"',
    });
  });

  it('the key a namespace is described from is its settings key', () => {
    expect(new TextDecoder().decode(settingsKey('bank'))).toBe('ns/bank');
  });
});
