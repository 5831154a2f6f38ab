/**
 * prom-client implementation of `MembershipMetrics`. Only the metrics registry imports this; the
 * membership core sees the interface. Metric names follow `<prefix><subsystem>_<thing>_<unit>`.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import {
  MEMBER_STATES,
  type MembershipMetrics,
  OUTCOMES,
  PROBE_RESULTS,
  PUSH_PULL_DIRECTIONS,
} from '../membership/membership-metrics.js';
import { BoundedLabel, isCountable, msToSeconds } from './prom-helpers.js';

/**
 * Probe round trips: LAN acks take ~1 ms, the default probe timeout is 500 ms and Lifeguard stretches it
 * by the health multiplier (up to ~9×), so buckets span 1 ms to 5 s.
 */
export const PROBE_DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

/** Push/pull sends the full member list over a stream; the TCP timeout is 10–30 s depending on preset. */
export const PUSH_PULL_DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/** A rumor reaches everyone in O(log n) gossip rounds of ~200 ms: sub-second on LANs, tens of s in WANs. */
export const RUMOR_DISSEMINATION_BUCKETS_SECONDS: readonly number[] = [
  0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60,
];

/** Backstop for free-form labels (drop reasons, stream kinds): real sets have < 20 values. */
export const MAX_DISTINCT_REASONS = 32;

export const MEMBER_EVENTS = ['joined', 'failed', 'left'] as const;
export const NET_DIRECTIONS = ['in', 'out'] as const;

export function createPromMembershipMetrics(register: Registry, prefix: string): MembershipMetrics {
  const registers = [register];
  const p = prefix;

  const members = new Gauge({
    name: `${p}membership_members`,
    help: 'Members known to this node, by state.',
    labelNames: ['state'] as const,
    registers,
  });
  const checksum = new Gauge({
    name: `${p}membership_checksum`,
    help: 'First 52 bits of the membership checksum; equal on all nodes once membership has converged.',
    registers,
  });
  const incarnation = new Gauge({
    name: `${p}membership_local_incarnation`,
    help: "This node's own incarnation number; it rises each time a suspicion about us is refuted.",
    registers,
  });
  const health = new Gauge({
    name: `${p}membership_health_score`,
    help: 'Lifeguard local health (awareness) score; 0 is healthy, higher stretches probe timeouts.',
    registers,
  });
  const probes = new Counter({
    name: `${p}membership_probes_total`,
    help: 'Probe rounds, by result (ack, indirect-ack, failed).',
    labelNames: ['result'] as const,
    registers,
  });
  const probeSeconds = new Histogram({
    name: `${p}membership_probe_duration_seconds`,
    help: 'Time from ping to ack (direct or indirect) or to giving up.',
    buckets: [...PROBE_DURATION_BUCKETS_SECONDS],
    registers,
  });
  const suspicions = new Counter({
    name: `${p}membership_suspicions_total`,
    help: 'Suspicions this node started about other members.',
    registers,
  });
  const refutations = new Counter({
    name: `${p}membership_refutations_total`,
    help: 'False suspicions about this node that it refuted with a higher incarnation.',
    registers,
  });
  const memberEvents = new Counter({
    name: `${p}membership_member_events_total`,
    help: 'Membership changes seen by this node, by event (joined, failed, left).',
    labelNames: ['event'] as const,
    registers,
  });
  const queueDepth = new Gauge({
    name: `${p}gossip_queue_depth`,
    help: 'Rumors waiting in the broadcast queue.',
    registers,
  });
  const gossipMessages = new Counter({
    name: `${p}gossip_messages_sent_total`,
    help: 'Gossip messages (rumors) sent, piggybacked or standalone.',
    registers,
  });
  const pushPulls = new Counter({
    name: `${p}membership_push_pull_total`,
    help: 'Full state exchanges, by direction (initiated, received) and outcome (ok, error).',
    labelNames: ['direction', 'outcome'] as const,
    registers,
  });
  const pushPullSeconds = new Histogram({
    name: `${p}membership_push_pull_duration_seconds`,
    help: 'Duration of one push/pull state exchange.',
    buckets: [...PUSH_PULL_DURATION_BUCKETS_SECONDS],
    registers,
  });
  const packets = new Counter({
    name: `${p}net_packets_total`,
    help: 'Datagrams received and sent, by direction (in, out).',
    labelNames: ['direction'] as const,
    registers,
  });
  const bytes = new Counter({
    name: `${p}net_bytes_total`,
    help: 'Datagram payload bytes received and sent, by direction (in, out).',
    labelNames: ['direction'] as const,
    registers,
  });
  const dropped = new Counter({
    name: `${p}net_packets_dropped_total`,
    help: 'Packets dropped, by reason (decode error kind, transport reason, seal failure, ...).',
    labelNames: ['reason'] as const,
    registers,
  });
  const streams = new Counter({
    name: `${p}net_stream_requests_total`,
    help: 'Stream requests, by kind and outcome (ok, error).',
    labelNames: ['kind', 'outcome'] as const,
    registers,
  });
  const rumorSeconds = new Histogram({
    name: `${p}gossip_rumor_dissemination_seconds`,
    help: 'Time for one rumor to reach every node (measured in simulator and bench).',
    buckets: [...RUMOR_DISSEMINATION_BUCKETS_SECONDS],
    registers,
  });

  // Known label values start at 0 so dashboards and rate() see every series from the first scrape.
  for (const state of MEMBER_STATES) members.set({ state }, 0);
  for (const result of PROBE_RESULTS) probes.inc({ result }, 0);
  for (const event of MEMBER_EVENTS) memberEvents.inc({ event }, 0);
  for (const direction of PUSH_PULL_DIRECTIONS) {
    for (const outcome of OUTCOMES) pushPulls.inc({ direction, outcome }, 0);
  }
  for (const direction of NET_DIRECTIONS) {
    packets.inc({ direction }, 0);
    bytes.inc({ direction }, 0);
  }

  const dropReasons = new BoundedLabel(MAX_DISTINCT_REASONS);
  const streamKinds = new BoundedLabel(MAX_DISTINCT_REASONS);

  const countPacket = (direction: (typeof NET_DIRECTIONS)[number], size: number): void => {
    packets.inc({ direction });
    if (isCountable(size)) bytes.inc({ direction }, size);
  };
  const observeMs = (h: Histogram, ms: number): void => {
    if (isCountable(ms)) h.observe(msToSeconds(ms));
  };

  return {
    setMembers(byState) {
      for (const state of MEMBER_STATES) members.set({ state }, byState[state]);
    },
    setChecksum: (value) => checksum.set(value),
    setLocalIncarnation: (n) => incarnation.set(n),
    setHealthScore: (n) => health.set(n),
    probe: (result) => probes.inc({ result }),
    probeDuration: (ms) => observeMs(probeSeconds, ms),
    suspicionStarted: () => suspicions.inc(),
    suspicionRefuted: () => refutations.inc(),
    memberFailed: () => memberEvents.inc({ event: 'failed' }),
    memberLeft: () => memberEvents.inc({ event: 'left' }),
    memberJoined: () => memberEvents.inc({ event: 'joined' }),
    broadcastQueueDepth: (n) => queueDepth.set(n),
    gossipSent(messages) {
      if (isCountable(messages)) gossipMessages.inc(messages);
    },
    pushPull: (direction, outcome) => pushPulls.inc({ direction, outcome }),
    pushPullDurationMs: (ms) => observeMs(pushPullSeconds, ms),
    packetIn: (size) => countPacket('in', size),
    packetOut: (size) => countPacket('out', size),
    packetDropped: (reason) => dropped.inc({ reason: dropReasons.value(reason) }),
    streamRequest: (kind, outcome) => streams.inc({ kind: streamKinds.value(kind), outcome }),
    rumorDissemination: (ms) => observeMs(rumorSeconds, ms),
  };
}
