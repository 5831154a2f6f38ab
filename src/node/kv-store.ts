import type { AntiEntropy } from '../antientropy/anti-entropy.js';
import type { PartitionTrees } from '../antientropy/partition-trees.js';
import type { RumorStats } from '../antientropy/rumor-core.js';
import type { Coordinator } from '../coordinator/coordinator.js';
import type { NamespaceConfig } from '../coordinator/namespace-config.js';
import { describeNamespaces, type NamespacesReport } from '../coordinator/namespace-settings.js';
import type {
  KvDeleteRequest,
  KvDeleteResult,
  KvGetRequest,
  KvGetResult,
  KvPutRequest,
  KvPutResult,
} from '../coordinator/results.js';
import type { NodeId } from '../membership/member.js';
import type { GlobalNamespace } from '../replica/global-namespace.js';
import type { HandoffResult } from '../replica/handoff.js';
import type { HintStore } from '../replica/hints.js';
import type { ReplicaService } from '../replica/replica-service.js';
import type { Placement } from '../ring/placement.js';
import type { RingDescription } from '../ring/ring.js';
import { validateKvConfig } from './store-config.js';
import { type KvStoreComponents, type KvStoreInit, openStoreParts, type StoreParts } from './store-wiring.js';

export type {
  KvDeleteRequest,
  KvDeleteResult,
  KvGetRequest,
  KvGetResult,
  KvInvalid,
  KvInvalidReason,
  KvPutRequest,
  KvPutResult,
  KvUnavailable,
} from '../coordinator/results.js';
export type { KvStoreComponents, KvStoreInit, MembershipView } from './store-wiring.js';

/**
 * The store on one node (DESIGN.md §6–§9), as the HTTP API, the CLI and the tests see it: get/put/delete go
 * to the coordinator; the rest starts and stops the background tasks (hint delivery, handoff, anti-entropy,
 * rumors) and describes the node's view. store-wiring.ts builds the parts; everything runs on injected clock,
 * scheduler and transport, so a whole cluster of these runs in the simulator.
 */
export class KvStore {
  readonly #p: StoreParts;
  readonly #config: KvStoreInit['config'];
  readonly #self: NodeId;
  readonly #coordinator: Coordinator;
  /** Served to peers over the stream channel (tests call it directly). */
  readonly service: ReplicaService;
  readonly hints: HintStore;
  /** Merkle anti-entropy (sweeps, single exchanges, the convergence report). */
  readonly antiEntropy: AntiEntropy;
  /** The namespace every node holds (cluster-wide settings). */
  readonly global: GlobalNamespace;
  /** The Merkle trees anti-entropy compares (diagnostics and tests). */
  readonly trees: PartitionTrees;
  /** Placement over the current membership view (it follows membership events). */
  readonly placement: Placement;

  private constructor(parts: StoreParts, init: KvStoreInit) {
    this.#p = parts;
    this.#config = init.config;
    this.#self = init.self as NodeId;
    this.#coordinator = parts.coordinator;
    this.service = parts.service;
    this.hints = parts.hints;
    this.antiEntropy = parts.antiEntropy;
    this.global = parts.global;
    this.trees = parts.trees;
    this.placement = parts.placement;
  }

  static async open(components: KvStoreComponents, init: KvStoreInit): Promise<KvStore> {
    const errors = validateKvConfig(init.config);
    if (errors.length > 0) throw new RangeError(`invalid store config: ${errors.join('; ')}`);
    return new KvStore(await openStoreParts(components, init), init);
  }

  /** Starts hint delivery, ownership handoff, anti-entropy and both rumor channels. */
  start(): void {
    this.#p.delivery.start();
    this.#p.handoff.start();
    this.antiEntropy.start();
    this.#p.globalRumors.start();
    this.#p.dataRumors.start();
  }

  stop(): void {
    this.#p.delivery.stop();
    this.#p.handoff.stop();
    this.antiEntropy.stop();
    this.#p.globalRumors.stop();
    this.#p.dataRumors.stop();
  }

  /**
   * A namespace's effective settings: the config's defaults, then the node config's override for it, then the
   * cluster-wide override stored in the global namespace under `ns/<name>` (namespace-settings.ts), which
   * every node sees once it has spread.
   */
  namespaceSettings(ns: string): NamespaceConfig {
    return this.#p.settings(ns);
  }

  /** Every namespace this node knows, with effective settings and their sources (`/cluster/namespaces`). */
  describeNamespaces(): NamespacesReport {
    return describeNamespaces(this.#config, this.global, this.#p.replica.namespaces());
  }

  /** Rumor mongering counters of the global namespace's and the data's channels (metrics, tests). */
  rumorStats(): { readonly global: RumorStats; readonly data: RumorStats } {
    return { global: this.#p.globalRumors.stats, data: this.#p.dataRumors.stats };
  }

  /** One handoff pass now (tests; the timer does this every interval). */
  handoffOnce(): Promise<HandoffResult> {
    return this.#p.handoff.handoffOnce();
  }

  /**
   * Before a graceful leave: hand every key held here to its owners in the ring without this node, so nothing
   * is lost when the others stop counting it. Keys whose new owners are not all reachable stay (`kept`).
   */
  drain(): Promise<HandoffResult> {
    return this.#p.handoff.drain(this.placement.ringWithout(this.#self));
  }

  /** Partition owners over the current view (`/cluster/ring?n=`). */
  describeRing(n: number): RingDescription {
    return this.placement.describe(n);
  }

  /** One delivery pass now (tests; the timer does this every interval). */
  deliverHints(): Promise<number> {
    return this.#p.delivery.deliverOnce();
  }

  get(req: KvGetRequest): Promise<KvGetResult> {
    return this.#coordinator.get(req);
  }

  put(req: KvPutRequest): Promise<KvPutResult> {
    return this.#coordinator.put(req);
  }

  delete(req: KvDeleteRequest): Promise<KvDeleteResult> {
    return this.#coordinator.delete(req);
  }
}
