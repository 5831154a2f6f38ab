import { describe, expect, it } from 'vitest';
import { type NamespaceConfig, namespaceConfig } from '../../../src/coordinator/namespace-config.js';
import {
  defaultKvConfig,
  type KvConfig,
  type KvConfigOverrides,
  mergeKvConfig,
  validateKvConfig,
} from '../../../src/node/store-config.js';

const defaults = defaultKvConfig();
const over = (o: KvConfigOverrides): KvConfig => mergeKvConfig(defaults, o);
const withDefaults = (ns: Partial<NamespaceConfig>): KvConfig => ({
  ...defaults,
  defaults: { ...defaults.defaults, ...ns },
});

describe('KvConfig defaults', () => {
  it('validate with no errors', () => {
    expect(validateKvConfig(defaultKvConfig())).toEqual([]);
  });

  it('are a fresh object each time', () => {
    const a = defaultKvConfig();
    expect(a).not.toBe(defaultKvConfig());
    expect(a).toEqual(defaultKvConfig());
  });

  it('are N=3 with quorum reads and writes, non-strict, sloppy, async repair', () => {
    expect(defaults.defaults).toEqual({
      n: 3,
      r: 'quorum',
      w: 'quorum',
      strict: false,
      conflict: 'siblings',
    });
    expect(defaults.request.sloppyQuorum).toBe(true);
    expect(defaults.request.readRepair).toBe('async');
    expect(defaults.request.maxTimeoutMs).toBeGreaterThanOrEqual(defaults.request.timeoutMs);
  });
});

describe('validateKvConfig: each bad field is named', () => {
  const cases: readonly { readonly name: string; readonly config: KvConfig; readonly field: RegExp }[] = [
    { name: 'partitions 0', config: { ...defaults, partitions: 0 }, field: /^partitions / },
    { name: 'partitions 1.5', config: { ...defaults, partitions: 1.5 }, field: /^partitions / },
    {
      name: 'request.timeoutMs 0',
      config: over({ request: { timeoutMs: 0 } }),
      field: /^request\.timeoutMs /,
    },
    {
      name: 'request.maxTimeoutMs < request.timeoutMs',
      config: over({ request: { timeoutMs: 5000, maxTimeoutMs: 4999 } }),
      field: /^request\.maxTimeoutMs /,
    },
    { name: 'hints.intervalMs 0', config: over({ hints: { intervalMs: 0 } }), field: /^hints\.intervalMs / },
    {
      name: 'handoff.intervalMs 0',
      config: over({ handoff: { intervalMs: 0 } }),
      field: /^handoff\.intervalMs /,
    },
    { name: 'hints.batch 0', config: over({ hints: { batch: 0 } }), field: /^hints\.batch / },
    {
      name: 'request.tombstoneGraceMs -1',
      config: over({ request: { tombstoneGraceMs: -1 } }),
      field: /^request\.tombstoneGraceMs /,
    },
    {
      name: 'request.maxValueBytes 0',
      config: over({ request: { maxValueBytes: 0 } }),
      field: /^request\.maxValueBytes /,
    },
    {
      name: 'bad request.readRepair',
      config: over({ request: { readRepair: 'eventually' as KvConfig['request']['readRepair'] } }),
      field: /^request\.readRepair /,
    },
    { name: 'rumor.k 0', config: over({ rumor: { k: 0 } }), field: /^rumor\.k / },
    {
      name: 'merkle.segments 1000',
      config: over({ merkle: { segments: 1000 } }),
      field: /^merkle\.segments /,
    },
    {
      name: 'antiEntropy.concurrency 65',
      config: over({ antiEntropy: { concurrency: 65 } }),
      field: /^antiEntropy\.concurrency /,
    },
    { name: 'n 0', config: withDefaults({ n: 0 }), field: /^defaults\.n / },
    { name: 'n 65', config: withDefaults({ n: 65 }), field: /^defaults\.n / },
    { name: "r 'most'", config: withDefaults({ r: 'most' }), field: /^defaults\.r / },
    { name: 'w > n', config: withDefaults({ n: 3, w: '4' }), field: /^defaults\.w / },
    { name: 'r 0', config: withDefaults({ r: '0' }), field: /^defaults\.r / },
    {
      name: "strict with W+R ≤ N (n 3, r 'one', w 'one')",
      config: withDefaults({ n: 3, r: 'one', w: 'one', strict: true }),
      field: /^defaults: strict mode requires W \+ R > N/,
    },
    {
      name: 'reserved namespace name',
      config: { ...defaults, namespaces: { '\u0000x': {} } },
      field: /^namespace name "\\u0000x" /,
    },
    {
      name: 'empty namespace name',
      config: { ...defaults, namespaces: { '': {} } },
      field: /^namespace name "" /,
    },
    {
      name: 'namespace name over 255 bytes',
      config: { ...defaults, namespaces: { ['é'.repeat(128)]: {} } },
      field: /^namespace name /,
    },
    {
      name: 'a namespace override with a bad quorum',
      config: { ...defaults, namespaces: { users: { w: 'all-of-them' } } },
      field: /^namespaces\.users\.w /,
    },
    {
      name: 'a strict namespace whose quorums do not intersect',
      config: { ...defaults, namespaces: { bank: { strict: true, r: '1', w: '2' } } },
      field: /^namespaces\.bank: strict mode/,
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const errors = validateKvConfig(c.config);
      expect(errors.length).toBe(1);
      expect(errors[0]).toMatch(c.field);
    });
  }

  it('reports several independent bad fields together', () => {
    const errors = validateKvConfig(
      mergeKvConfig(defaults, { partitions: 0, request: { timeoutMs: 0, readRepair: 'x' as 'sync' } }),
    );
    expect(errors.some((e) => e.startsWith('partitions '))).toBe(true);
    expect(errors.some((e) => e.startsWith('request.timeoutMs '))).toBe(true);
    expect(errors.some((e) => e.startsWith('request.readRepair '))).toBe(true);
  });

  it('accepts strict mode when W + R > N, and integer quorums up to N', () => {
    expect(validateKvConfig(withDefaults({ n: 3, r: 'quorum', w: 'quorum', strict: true }))).toEqual([]);
    expect(validateKvConfig(withDefaults({ n: 5, r: '1', w: 'all', strict: true }))).toEqual([]);
    expect(validateKvConfig(withDefaults({ n: 5, r: '5', w: '1' }))).toEqual([]);
    expect(validateKvConfig({ ...defaults, namespaces: { fast: { n: 1, r: 'one', w: 'one' } } })).toEqual([]);
  });
});

describe('namespaceConfig', () => {
  const config: KvConfig = {
    ...defaults,
    defaults: { n: 3, r: 'quorum', w: 'quorum', strict: false, conflict: 'siblings' },
    namespaces: { bank: { strict: true, w: 'all' }, cache: { n: 1 } },
  };

  it('merges a namespace override over the defaults', () => {
    expect(namespaceConfig(config, 'bank')).toEqual({
      n: 3,
      r: 'quorum',
      w: 'all',
      strict: true,
      conflict: 'siblings',
    });
    expect(namespaceConfig(config, 'cache')).toEqual({
      n: 1,
      r: 'quorum',
      w: 'quorum',
      strict: false,
      conflict: 'siblings',
    });
  });

  it('gives an unlisted namespace the defaults', () => {
    expect(namespaceConfig(config, 'other')).toEqual(config.defaults);
  });

  it('does not mutate the defaults', () => {
    namespaceConfig(config, 'bank');
    expect(config.defaults).toEqual({ n: 3, r: 'quorum', w: 'quorum', strict: false, conflict: 'siblings' });
  });

  it('reports every problem at once, not only the first', () => {
    const d = defaultKvConfig();
    const errors = validateKvConfig({
      ...d,
      partitions: 0,
      defaults: { ...d.defaults, r: 'most' },
      namespaces: { a: { r: 'most' }, b: { w: '9' } },
    });
    expect(errors.some((e) => e.startsWith('partitions'))).toBe(true);
    expect(errors.some((e) => e.startsWith('defaults.r'))).toBe(true);
    expect(errors.some((e) => e.startsWith('namespaces.a.r'))).toBe(true);
    expect(errors.some((e) => e.startsWith('namespaces.b.w'))).toBe(true);
  });
});

describe('mergeKvConfig', () => {
  it('merges sections field by field and namespaces name by name, leaving the defaults untouched', () => {
    const base = mergeKvConfig(defaults, { namespaces: { a: { n: 1 } } });
    const m = mergeKvConfig(base, {
      request: { timeoutMs: 2000 },
      rumor: { k: 5 },
      namespaces: { b: { strict: true } },
    });
    expect(m.request).toEqual({ ...defaults.request, timeoutMs: 2000 });
    expect(m.rumor).toEqual({ ...defaults.rumor, k: 5 });
    expect(m.namespaces).toEqual({ a: { n: 1 }, b: { strict: true } });
    expect(m.hints).toEqual(defaults.hints);
    expect(defaultKvConfig()).toEqual(defaults);
  });
});
