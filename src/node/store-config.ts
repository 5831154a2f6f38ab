import {
  defaultExchangeConfig,
  defaultTreesConfig,
  type ExchangeConfig,
  exchangeConfigErrors,
  type TreesConfig,
  treesConfigErrors,
} from '../antientropy/config.js';
import {
  DEFAULT_RUMOR_FANOUT,
  DEFAULT_RUMOR_INTERVAL_MS,
  DEFAULT_RUMOR_K,
  DEFAULT_RUMOR_MAX_HOT,
} from '../antientropy/rumor-config.js';
import {
  type CoordinatorConfig,
  coordinatorConfigErrors,
  defaultCoordinatorConfig,
} from '../coordinator/config.js';
import {
  type NamespaceConfig,
  type NamespaceDefaults,
  namespaceConfigErrors,
  namespaceNameError,
} from '../coordinator/namespace-config.js';
import { DEFAULT_REPLICAS } from '../coordinator/quorum.js';
import {
  defaultHandoffConfig,
  defaultHintDeliveryConfig,
  type HandoffConfig,
  type HintDeliveryConfig,
  handoffConfigErrors,
  hintDeliveryConfigErrors,
} from '../replica/config.js';
import { DEFAULT_MAX_NAMESPACES } from '../replica/partition-index.js';
import { DEFAULT_PARTITIONS, MAX_PARTITIONS } from '../ring/config.js';
import { ConfigProblems } from '../runtime/config-problems.js';

/** Rumor mongering of the store's two channels (the global namespace, data writes an owner missed). */
export interface StoreRumorConfig {
  /**
   * Rumor mongering (Demers et al.: push, feedback, counter) for the global namespace and for data writes a
   * replica missed: a node stops pushing an update after `k` pushes to peers that already had it.
   * Higher k leaves fewer nodes unreached (residue ≈ e^{-(k+1)}) at about k+1 messages per node
   * (`npm run bench -- rumor`). Anti-entropy catches the residue.
   */
  readonly k: number;
  /** One rumor round: every hot update is pushed to `fanout` random peers. */
  readonly intervalMs: number;
  readonly fanout: number;
  /** Most updates being spread at once (oldest dropped first; anti-entropy still delivers them). */
  readonly maxHot: number;
  /** Largest data version rumored after a write (its encoded set); bigger ones are left to anti-entropy. */
  readonly maxBytes: number;
}

/**
 * Every tunable of the store (DESIGN.md §6–§9), one section per layer, each section's type, doc comments and
 * defaults in its layer's config (Riak's or Cassandra's name given where one exists). Per-namespace settings
 * (N, R, W, strict, conflict) default to `defaults` and may be overridden per namespace in `namespaces`; a
 * request may override R and W (`?r=`, `?w=`) but never N.
 */
export interface KvConfig extends NamespaceDefaults {
  /** Ring size Q; must be equal on every node for the life of the data (see RingConfig). */
  readonly partitions: number;
  /**
   * Client namespaces a node stores data in at most (Riak buckets cost nothing; ours cost a few index
   * entries and one tree per partition holding data). A write that would add one more is refused with 409
   * and counted (hearsay_kv_namespace_limit_refusals_total). A namespace whose data is all gone (tombstones
   * reaped) stops counting.
   */
  readonly maxNamespaces: number;
  /** The request path: timeouts, sloppy quorum, read repair, value size (src/coordinator/config.ts). */
  readonly request: CoordinatorConfig;
  /** Hint delivery (src/replica/config.ts). */
  readonly hints: HintDeliveryConfig;
  /** Ownership handoff after joins and leaves (src/replica/config.ts). */
  readonly handoff: HandoffConfig;
  /** Merkle anti-entropy sweeps (src/antientropy/config.ts). */
  readonly antiEntropy: ExchangeConfig;
  /** The Merkle trees anti-entropy compares (src/antientropy/config.ts). */
  readonly merkle: TreesConfig;
  readonly rumor: StoreRumorConfig;
}

/** The sections of a KvConfig: objects merged field by field over the defaults. */
export const STORE_SECTIONS = [
  'defaults',
  'request',
  'hints',
  'handoff',
  'antiEntropy',
  'merkle',
  'rumor',
] as const;
type Section = (typeof STORE_SECTIONS)[number];

/** What a node config may give: any top-level field, any field of any section (the rest stay default). */
export type KvConfigOverrides = {
  readonly [K in keyof KvConfig]?: K extends Section ? Partial<KvConfig[K]> : KvConfig[K];
};

export function defaultKvConfig(): KvConfig {
  return {
    partitions: DEFAULT_PARTITIONS,
    defaults: { n: DEFAULT_REPLICAS, r: 'quorum', w: 'quorum', strict: false, conflict: 'siblings' },
    namespaces: {},
    maxNamespaces: DEFAULT_MAX_NAMESPACES,
    request: defaultCoordinatorConfig(),
    hints: defaultHintDeliveryConfig(),
    handoff: defaultHandoffConfig(),
    antiEntropy: defaultExchangeConfig(),
    merkle: defaultTreesConfig(),
    rumor: {
      k: DEFAULT_RUMOR_K,
      intervalMs: DEFAULT_RUMOR_INTERVAL_MS,
      fanout: DEFAULT_RUMOR_FANOUT,
      maxHot: DEFAULT_RUMOR_MAX_HOT,
      maxBytes: 64 * 1024,
    },
  };
}

/** `over` on `base`: sections field by field, `namespaces` name by name, the rest replaced. */
export function mergeKvConfig(base: KvConfig, over: KvConfigOverrides = {}): KvConfig {
  return mergeKvOverrides(base, over) as KvConfig;
}

/** The same merge over partial configs (later config sources over earlier ones); absent sections stay absent. */
export function mergeKvOverrides(base: KvConfigOverrides, over: KvConfigOverrides): KvConfigOverrides {
  const out: Record<string, unknown> = { ...base, ...over };
  for (const k of [...STORE_SECTIONS, 'namespaces'] as const) {
    if (base[k] !== undefined || over[k] !== undefined) out[k] = { ...(base[k] ?? {}), ...(over[k] ?? {}) };
  }
  return out as KvConfigOverrides;
}

/** Every problem with a config, each naming its field (`rumor.k must be …`); empty when valid. */
export function validateKvConfig(c: KvConfig): readonly string[] {
  const p = new ConfigProblems();
  p.int('partitions', c.partitions, 1, MAX_PARTITIONS);
  p.int('maxNamespaces', c.maxNamespaces, 1);
  p.int('rumor.k', c.rumor.k, 1, 64);
  p.int('rumor.intervalMs', c.rumor.intervalMs, 1);
  p.int('rumor.fanout', c.rumor.fanout, 1, 64);
  p.int('rumor.maxHot', c.rumor.maxHot, 1);
  p.int('rumor.maxBytes', c.rumor.maxBytes, 0);
  const checkNs = (label: string, ns: NamespaceConfig): void => {
    for (const e of namespaceConfigErrors(ns)) p.add(`${label}${e.across ? ': ' : '.'}${e.error}`);
  };
  checkNs('defaults', c.defaults);
  for (const [name, override] of Object.entries(c.namespaces)) {
    const bad = namespaceNameError(name);
    if (bad !== undefined) p.add(bad);
    checkNs(`namespaces.${name}`, { ...c.defaults, ...override });
  }
  return [
    ...p.list,
    ...coordinatorConfigErrors(c.request),
    ...hintDeliveryConfigErrors(c.hints),
    ...handoffConfigErrors(c.handoff),
    ...exchangeConfigErrors(c.antiEntropy),
    ...treesConfigErrors(c.merkle),
  ];
}
