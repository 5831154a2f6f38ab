/**
 * Every membership tunable in one typed object (DESIGN.md §5), modelled on memberlist's `config.go`. Each
 * field says its formula, its trade-off and the memberlist (or Serf) name it mirrors, so operators can carry
 * their memberlist intuition over. Presets are functions so callers can never mutate a shared default.
 */

/** Oldest and newest hearsay membership protocol versions this build speaks (our own wire, not memberlist's). */
export const PROTOCOL_VERSION_MIN = 1;
export const PROTOCOL_VERSION_MAX = 1;

/** RFC 791: every IPv4 host must accept datagrams of at least 576 bytes, so smaller buffers buy nothing. */
const MIN_UDP_BUFFER_BYTES = 576;
/** Largest UDP payload over IPv4: 65,535 − 8 (UDP header) − 20 (IP header). */
const MAX_UDP_BUFFER_BYTES = 65_507;

const SECOND_MS = 1000;
const HOUR_MS = 3600 * SECOND_MS;

export interface MembershipConfig {
  /**
   * Membership protocol version we speak, in [PROTOCOL_VERSION_MIN, PROTOCOL_VERSION_MAX]; carried in every
   * envelope so mixed versions can coexist during a rolling upgrade. memberlist: `ProtocolVersion`.
   */
  readonly protocolVersion: number;

  /**
   * Time between failure-detection probes: each period one member is pinged (SWIM round-robin). Lower
   * detects failures sooner at the cost of more packets. Shuffled round-robin target order bounds the time
   * until a failed member is first probed by 2n − 1 periods (SWIM §4.3). memberlist: `ProbeInterval`.
   */
  readonly probeIntervalMs: number;

  /**
   * How long to wait for a direct ack before asking others to probe indirectly. Set to the network's
   * 99th-percentile RTT: too low causes false suspicions, too high slows detection. Must be below
   * probeIntervalMs. Scaled by the awareness multiplier under local stress (Lifeguard §IV-A).
   * memberlist: `ProbeTimeout`.
   */
  readonly probeTimeoutMs: number;

  /**
   * Members asked to ping-req a member that missed its direct ack. We wait for any single ack, so more
   * checks make a false suspicion under lossy paths less likely at the price of bandwidth.
   * memberlist: `IndirectChecks`.
   */
  readonly indirectChecks: number;

  /**
   * Upper bound (exclusive) of Lifeguard's local health score: probe intervals and timeouts are stretched
   * by up to this factor when this node itself misses acks/nacks, so a slow node stops accusing healthy
   * peers. 8 with a 1 s probe interval backs off to 8 s. Lifeguard §IV-A, memberlist: `AwarenessMaxMultiplier`.
   */
  readonly awarenessMaxMultiplier: number;

  /**
   * Each broadcast is retransmitted retransmitMult · ceil(log10(n + 1)) times (see `retransmitLimit`).
   * Higher makes a rumor more likely to reach everyone under loss at the cost of bandwidth.
   * memberlist: `RetransmitMult`.
   */
  readonly retransmitMult: number;

  /**
   * Minimum suspicion timeout = suspicionMult · max(1, log10(max(1, n))) · probeIntervalMs (see
   * `suspicionTimeoutMs`), reached once suspicionMult − 2 independent confirmations arrive. Higher gives a
   * suspect more time to refute at the cost of slower failure detection. memberlist: `SuspicionMult`.
   */
  readonly suspicionMult: number;

  /**
   * Maximum suspicion timeout = suspicionMaxTimeoutMult · minimum; a lone accusation waits this long, so a
   * single unhealthy accuser cannot kill a healthy member quickly (Lifeguard §IV-B). For 10k nodes the LAN
   * defaults give a 120 s maximum. memberlist: `SuspicionMaxTimeoutMult`.
   */
  readonly suspicionMaxTimeoutMult: number;

  /**
   * Period of the gossip round that sends queued broadcasts not already piggybacked on probes; 0 disables
   * it. Lower spreads rumors faster at the cost of more packets. memberlist: `GossipInterval`.
   */
  readonly gossipIntervalMs: number;

  /**
   * Random members each gossip round sends to (the fan-out). Higher spreads faster (≈ log_fanout n rounds)
   * at the cost of bandwidth. memberlist: `GossipNodes`.
   */
  readonly gossipNodes: number;

  /**
   * Keep gossiping to a member for this long after it is marked dead, so a falsely-declared node hears
   * of it and refutes. Too long wastes packets on truly dead nodes. memberlist: `GossipToTheDeadTime`.
   */
  readonly gossipToTheDeadTimeMs: number;

  /**
   * Period of full state sync (push/pull over TCP with one random member), scaled up beyond 32 members by
   * `pushPullScaleMs`; 0 disables it. Lower converges faster after partitions at the cost of TCP
   * transfers of the whole member table. memberlist: `PushPullInterval`.
   */
  readonly pushPullIntervalMs: number;

  /**
   * Timeout for a reliable (TCP) exchange: push/pull, join, TCP fallback ping. Too low fails syncs of
   * large tables over slow links; too high stalls a join on an unreachable seed. memberlist: `TCPTimeout`.
   */
  readonly tcpTimeoutMs: number;

  /**
   * A dead (not left) member's name may be reclaimed by a different address after this long; 0 means
   * never (a name change of address must wait for the member to be reaped). memberlist: `DeadNodeReclaimTime`.
   */
  readonly deadNodeReclaimTimeMs: number;

  /**
   * How often dead and left members are considered for reaping from the member table.
   * Serf: `ReapInterval` (memberlist itself never reaps; Serf does it above it).
   */
  readonly reapIntervalMs: number;

  /**
   * A dead (failed) member is forgotten this long after it died. Long enough that a rebooted node or a
   * healed partition is recognised rather than treated as new, short enough that the table does not grow
   * forever under churn. Serf's default (24 h) is kept: reaping is bookkeeping, not failure detection.
   * Serf: `ReconnectTimeout`.
   */
  readonly deadReapTimeoutMs: number;

  /**
   * A member that left gracefully is forgotten this long after leaving (its `left` tombstone stops a stale
   * `alive` from resurrecting it). Serf: `TombstoneTimeout` (24 h).
   */
  readonly leftReapTimeoutMs: number;

  /**
   * Largest UDP payload we send, and so the budget for piggybacked broadcasts. 1400 stays under a 1500 MTU
   * with IP/UDP and encryption overhead; larger risks IP fragmentation (and loss of whole packets).
   * memberlist: `UDPBufferSize`.
   */
  readonly udpBufferSizeBytes: number;

  /** Largest member metadata; it rides in alive messages, so it must fit a packet. memberlist: `MetaMaxSize` (512). */
  readonly maxMetaBytes: number;

  /**
   * Upper bound on queued broadcasts; beyond it the oldest, most-sent ones are pruned (they are the least
   * useful, and push/pull repairs whatever they would have carried). Serf: `MaxQueueDepth` (4096).
   */
  readonly broadcastQueueMaxDepth: number;
  /**
   * First wait before retrying a join that reached no seed; doubles per attempt up to
   * joinRetryMaxIntervalMs (Serf's `retry_interval` is a fixed 30 s; backoff spares a seed that is still
   * booting). Default 1 s.
   */
  readonly joinRetryIntervalMs: number;
  /** Cap of the join retry backoff. Default 30 s (Serf's retry_interval). */
  readonly joinRetryMaxIntervalMs: number;
  /** Join attempts before giving up; 0 = retry forever (Serf's retry_max default). Default 0. */
  readonly joinMaxAttempts: number;
  /**
   * How long a graceful leave waits for its `left` broadcast to be sent before stopping anyway
   * (memberlist Leave's timeout argument; Consul uses 5 s). Default 5 s.
   */
  readonly leaveTimeoutMs: number;
  /**
   * How often gauges (members by state, incarnation, health score, queue depth) are sampled into the
   * metrics registry. Counting states is O(n), so it is not done per message. Default 1 s, well under
   * a typical 15 s scrape interval.
   */
  readonly metricsIntervalMs: number;
  /**
   * Every this often, push/pull with one random failed (dead, not left) member (Serf's reconnect,
   * ReconnectInterval 30 s). Without it a healed partition never merges: both sides have declared the
   * other dead and no longer probe, gossip to (after gossipToTheDeadTimeMs) or push/pull with it.
   * 0 disables. Failed members stop being tried once reaped (deadReapTimeoutMs, Serf's ReconnectTimeout).
   */
  readonly reconnectIntervalMs: number;
}

/** memberlist `DefaultLANConfig`: conservative values for a LAN, favouring convergence over bandwidth. */
export function lanConfig(): MembershipConfig {
  return {
    protocolVersion: PROTOCOL_VERSION_MAX,
    probeIntervalMs: 1 * SECOND_MS,
    probeTimeoutMs: 500,
    indirectChecks: 3,
    awarenessMaxMultiplier: 8,
    retransmitMult: 4,
    suspicionMult: 4,
    suspicionMaxTimeoutMult: 6,
    gossipIntervalMs: 200,
    gossipNodes: 3,
    gossipToTheDeadTimeMs: 30 * SECOND_MS,
    pushPullIntervalMs: 30 * SECOND_MS,
    tcpTimeoutMs: 10 * SECOND_MS,
    deadNodeReclaimTimeMs: 0,
    reapIntervalMs: 15 * SECOND_MS,
    deadReapTimeoutMs: 24 * HOUR_MS,
    leftReapTimeoutMs: 24 * HOUR_MS,
    udpBufferSizeBytes: 1400,
    maxMetaBytes: 512,
    broadcastQueueMaxDepth: 4096,
    joinRetryIntervalMs: 1 * SECOND_MS,
    joinRetryMaxIntervalMs: 30 * SECOND_MS,
    joinMaxAttempts: 0,
    leaveTimeoutMs: 5 * SECOND_MS,
    metricsIntervalMs: 1 * SECOND_MS,
    reconnectIntervalMs: 30 * SECOND_MS,
  };
}

/** memberlist `DefaultWANConfig`: longer timeouts for high-latency links, more fan-out, slower gossip. */
export function wanConfig(): MembershipConfig {
  return {
    ...lanConfig(),
    tcpTimeoutMs: 30 * SECOND_MS,
    suspicionMult: 6,
    pushPullIntervalMs: 60 * SECOND_MS,
    probeTimeoutMs: 3 * SECOND_MS,
    probeIntervalMs: 5 * SECOND_MS,
    gossipNodes: 4,
    gossipIntervalMs: 500,
    gossipToTheDeadTimeMs: 60 * SECOND_MS,
  };
}

/**
 * memberlist `DefaultLocalConfig`: loopback clusters (`hearsay dev`, tests), where RTTs are tiny and loss
 * is rare. Reaping is shortened (our choice, not memberlist's) so a dev cluster's member list does not keep
 * yesterday's crashed nodes.
 */
export function localConfig(): MembershipConfig {
  return {
    ...lanConfig(),
    tcpTimeoutMs: 1 * SECOND_MS,
    indirectChecks: 1,
    retransmitMult: 2,
    suspicionMult: 3,
    pushPullIntervalMs: 15 * SECOND_MS,
    probeTimeoutMs: 200,
    probeIntervalMs: 1 * SECOND_MS,
    gossipIntervalMs: 100,
    gossipToTheDeadTimeMs: 15 * SECOND_MS,
    deadReapTimeoutMs: 1 * HOUR_MS,
    leftReapTimeoutMs: 1 * HOUR_MS,
  };
}

type NumericField = {
  [K in keyof MembershipConfig]: MembershipConfig[K] extends number ? K : never;
}[keyof MembershipConfig];

/**
 * Human-readable problems with `c`, empty when it is usable. Catches values that would break the protocol
 * (zero intervals, a probe timeout that outlasts the probe period) rather than merely odd tuning.
 */
export function validateMembershipConfig(c: MembershipConfig): readonly string[] {
  const errors: string[] = [];
  const check = (field: NumericField, ok: (v: number) => boolean, want: string): boolean => {
    const v = c[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
      errors.push(`${field} must be ${want}, got ${String(v)}`);
      return false;
    }
    return true;
  };
  const positive = (v: number): boolean => v > 0;
  const nonNegative = (v: number): boolean => v >= 0;
  const positiveInt = (v: number): boolean => Number.isInteger(v) && v >= 1;
  const nonNegativeInt = (v: number): boolean => Number.isInteger(v) && v >= 0;

  check(
    'protocolVersion',
    (v) => Number.isInteger(v) && v >= PROTOCOL_VERSION_MIN && v <= PROTOCOL_VERSION_MAX,
    `an integer in [${PROTOCOL_VERSION_MIN}, ${PROTOCOL_VERSION_MAX}]`,
  );
  const interval = check('probeIntervalMs', positive, 'a positive number of ms');
  const timeout = check('probeTimeoutMs', positive, 'a positive number of ms');
  if (interval && timeout && c.probeTimeoutMs >= c.probeIntervalMs) {
    errors.push(
      `probeTimeoutMs (${c.probeTimeoutMs}) must be less than probeIntervalMs (${c.probeIntervalMs}): ` +
        'the indirect probe must finish within the probe period',
    );
  }
  check('indirectChecks', nonNegativeInt, 'a non-negative integer');
  check('awarenessMaxMultiplier', positiveInt, 'a positive integer');
  check('retransmitMult', positiveInt, 'a positive integer');
  check('suspicionMult', positiveInt, 'a positive integer');
  check('suspicionMaxTimeoutMult', positiveInt, 'a positive integer');
  check('gossipIntervalMs', nonNegative, 'a non-negative number of ms (0 disables gossip)');
  check('gossipNodes', nonNegativeInt, 'a non-negative integer');
  if (c.gossipIntervalMs > 0 && c.gossipNodes === 0) {
    errors.push(
      'gossipNodes must be at least 1 when gossipIntervalMs > 0 (set gossipIntervalMs to 0 to disable)',
    );
  }
  check('gossipToTheDeadTimeMs', nonNegative, 'a non-negative number of ms');
  check('pushPullIntervalMs', nonNegative, 'a non-negative number of ms (0 disables push/pull)');
  check('tcpTimeoutMs', positive, 'a positive number of ms');
  check('deadNodeReclaimTimeMs', nonNegative, 'a non-negative number of ms (0 disables reclaim)');
  check('reapIntervalMs', positive, 'a positive number of ms');
  check('deadReapTimeoutMs', nonNegative, 'a non-negative number of ms');
  check('leftReapTimeoutMs', nonNegative, 'a non-negative number of ms');
  const udp = check(
    'udpBufferSizeBytes',
    (v) => Number.isInteger(v) && v >= MIN_UDP_BUFFER_BYTES && v <= MAX_UDP_BUFFER_BYTES,
    `an integer in [${MIN_UDP_BUFFER_BYTES}, ${MAX_UDP_BUFFER_BYTES}]`,
  );
  const meta = check('maxMetaBytes', nonNegativeInt, 'a non-negative integer');
  if (udp && meta && c.maxMetaBytes >= c.udpBufferSizeBytes) {
    errors.push(
      `maxMetaBytes (${c.maxMetaBytes}) must be less than udpBufferSizeBytes (${c.udpBufferSizeBytes}): ` +
        'an alive message carries the metadata in one packet',
    );
  }
  check('broadcastQueueMaxDepth', positiveInt, 'a positive integer');
  const retry = check('joinRetryIntervalMs', positive, 'a positive number of ms');
  const retryMax = check('joinRetryMaxIntervalMs', positive, 'a positive number of ms');
  if (retry && retryMax && c.joinRetryMaxIntervalMs < c.joinRetryIntervalMs) {
    errors.push('joinRetryMaxIntervalMs must be at least joinRetryIntervalMs');
  }
  check('joinMaxAttempts', nonNegativeInt, 'a non-negative integer (0 = forever)');
  check('leaveTimeoutMs', nonNegative, 'a non-negative number of ms');
  check('metricsIntervalMs', positive, 'a positive number of ms');
  check('reconnectIntervalMs', nonNegative, 'a non-negative number of ms (0 disables reconnect)');
  return errors;
}
