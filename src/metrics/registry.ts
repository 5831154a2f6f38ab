/**
 * One metrics registry per node (DESIGN.md §11). Many nodes may share a process (`hearsay dev`, the
 * simulator, tests), so this never touches prom-client's global default register; each node's series
 * carry a `node` label so merged scrapes stay distinguishable.
 *
 * Pattern for each layer: an `XxxMetrics` interface the core imports (no prom-client), a
 * `createPromXxxMetrics(register, prefix)` implementation, and a memoised accessor here.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { AntiEntropyMetrics } from '../antientropy/anti-entropy.js';
import type { CoordinatorMetrics } from '../coordinator/coordinator-metrics.js';
import type { MembershipMetrics } from '../membership/membership-metrics.js';
import type { ReplicaMetrics } from '../replica/replica-metrics.js';
import { createPromKvMetrics } from './prom-kv-metrics.js';
import { createPromMembershipMetrics } from './prom-membership-metrics.js';
import { createPromTransportMetrics, type PromTransportMetrics } from './prom-transport-metrics.js';

export const DEFAULT_METRICS_PREFIX = 'hearsay_';

export interface MetricsRegistryOptions {
  /** Node name, attached to every series as the `node` label. */
  readonly node: string;
  /** Prepended to every metric name. Default `hearsay_`; change only to run two products side by side. */
  readonly prefix?: string;
  /**
   * Also export prom-client's process/Node.js metrics (CPU, heap, event loop lag) under the prefix.
   * Default false: in a multi-node process they would repeat the same process numbers once per node.
   */
  readonly collectDefault?: boolean;
}

export interface MetricsRegistry {
  readonly node: string;
  readonly prefix: string;
  /** Content-Type header value for `text()` (Prometheus text exposition format 0.0.4). */
  readonly contentType: string;
  /** The underlying prom-client registry, for `/metrics` handlers that merge several nodes. */
  readonly promRegistry: Registry;
  /** The membership layer's metrics; the same object on every call (metrics are registered once). */
  membership(): MembershipMetrics;
  /**
   * The transport's drops and refused stream connections (memoised). Its packet drops land in the
   * membership metrics' hearsay_net_packets_dropped_total, so this registers those too.
   */
  transport(): PromTransportMetrics;
  /** The store's metrics: its coordinator's and its replica's (memoised like `membership`). */
  kv(): {
    readonly coordinator: CoordinatorMetrics;
    readonly replica: ReplicaMetrics;
    readonly antiEntropy: AntiEntropyMetrics;
  };
  /** All metrics of this node in the Prometheus text format. */
  text(): Promise<string>;
}

export function createMetricsRegistry(options: MetricsRegistryOptions): MetricsRegistry {
  const prefix = options.prefix ?? DEFAULT_METRICS_PREFIX;
  const register = new Registry();
  register.setDefaultLabels({ node: options.node });
  if (options.collectDefault === true) collectDefaultMetrics({ register, prefix });

  // Memoised: prom-client rejects registering the same name twice in one registry.
  let membership: MembershipMetrics | undefined;
  let kv: ReturnType<typeof createPromKvMetrics> | undefined;
  let transport: PromTransportMetrics | undefined;
  const membershipMetrics = (): MembershipMetrics => {
    membership ??= createPromMembershipMetrics(register, prefix);
    return membership;
  };

  return {
    node: options.node,
    prefix,
    contentType: register.contentType,
    promRegistry: register,
    membership: membershipMetrics,
    transport() {
      if (transport === undefined) {
        const m = membershipMetrics();
        transport = createPromTransportMetrics(register, prefix, (reason) => m.packetDropped(reason));
      }
      return transport;
    },
    kv() {
      kv ??= createPromKvMetrics(register, prefix);
      return kv;
    },
    text: () => register.metrics(),
  };
}
