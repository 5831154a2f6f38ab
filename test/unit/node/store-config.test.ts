import { describe, expect, it } from 'vitest';
import { type NamespaceConfig, namespaceConfig } from '../../../src/coordinator/namespace-config.js';
import { defaultKvConfig, type KvConfig, validateKvConfig } from '../../../src/node/store-config.js';

const defaults = defaultKvConfig();
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
    expect(defaults.sloppyQuorum).toBe(true);
    expect(defaults.readRepair).toBe('async');
    expect(defaults.maxRequestTimeoutMs).toBeGreaterThanOrEqual(defaults.requestTimeoutMs);
  });
});

describe('validateKvConfig: each bad field is named', () => {
  const cases: readonly { readonly name: string; readonly config: KvConfig; readonly field: RegExp }[] = [
    { name: 'partitions 0', config: { ...defaults, partitions: 0 }, field: /^partitions / },
    { name: 'partitions 1.5', config: { ...defaults, partitions: 1.5 }, field: /^partitions / },
    { name: 'requestTimeoutMs 0', config: { ...defaults, requestTimeoutMs: 0 }, field: /^requestTimeoutMs / },
    {
      name: 'maxRequestTimeoutMs < requestTimeoutMs',
      config: { ...defaults, requestTimeoutMs: 5000, maxRequestTimeoutMs: 4999 },
      field: /^maxRequestTimeoutMs /,
    },
    {
      name: 'hintDeliveryIntervalMs 0',
      config: { ...defaults, hintDeliveryIntervalMs: 0 },
      field: /^hintDeliveryIntervalMs /,
    },
    {
      name: 'handoffIntervalMs 0',
      config: { ...defaults, handoffIntervalMs: 0 },
      field: /^handoffIntervalMs /,
    },
    {
      name: 'hintDeliveryBatch 0',
      config: { ...defaults, hintDeliveryBatch: 0 },
      field: /^hintDeliveryBatch /,
    },
    {
      name: 'tombstoneGraceMs -1',
      config: { ...defaults, tombstoneGraceMs: -1 },
      field: /^tombstoneGraceMs /,
    },
    { name: 'maxValueBytes 0', config: { ...defaults, maxValueBytes: 0 }, field: /^maxValueBytes / },
    {
      name: 'bad readRepair',
      config: { ...defaults, readRepair: 'eventually' as KvConfig['readRepair'] },
      field: /^readRepair /,
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
    const errors = validateKvConfig({
      ...defaults,
      partitions: 0,
      requestTimeoutMs: 0,
      readRepair: 'x' as 'sync',
    });
    expect(errors.some((e) => e.startsWith('partitions '))).toBe(true);
    expect(errors.some((e) => e.startsWith('requestTimeoutMs '))).toBe(true);
    expect(errors.some((e) => e.startsWith('readRepair '))).toBe(true);
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
