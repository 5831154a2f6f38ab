import { register as globalRegister } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { checksumToGaugeValue } from '../../../src/membership/membership-metrics.js';
import { createMetricsRegistry } from '../../../src/metrics/registry.js';
import { checkExposition, type Exposition, sampleValue } from './exposition.js';

async function scrape(registry: ReturnType<typeof createMetricsRegistry>): Promise<Exposition> {
  const { exposition, errors } = checkExposition(await registry.text());
  expect(errors).toEqual([]);
  return exposition;
}

function fresh(node = 'n1') {
  const registry = createMetricsRegistry({ node });
  return { registry, m: registry.membership() };
}

const EXPECTED_FAMILIES: Readonly<Record<string, string>> = {
  hearsay_membership_members: 'gauge',
  hearsay_membership_checksum: 'gauge',
  hearsay_membership_local_incarnation: 'gauge',
  hearsay_membership_health_score: 'gauge',
  hearsay_membership_probes_total: 'counter',
  hearsay_membership_probe_duration_seconds: 'histogram',
  hearsay_membership_suspicions_total: 'counter',
  hearsay_membership_refutations_total: 'counter',
  hearsay_membership_member_events_total: 'counter',
  hearsay_membership_push_pull_total: 'counter',
  hearsay_membership_push_pull_duration_seconds: 'histogram',
  hearsay_gossip_queue_depth: 'gauge',
  hearsay_gossip_messages_sent_total: 'counter',
  hearsay_gossip_rumor_dissemination_seconds: 'histogram',
  hearsay_net_packets_total: 'counter',
  hearsay_net_bytes_total: 'counter',
  hearsay_net_packets_dropped_total: 'counter',
  hearsay_net_stream_requests_total: 'counter',
};

describe('metrics registry: exposition', () => {
  it('exposes every membership family with HELP, TYPE, the node label and a valid grammar', async () => {
    const { registry } = fresh('node-a');
    const x = await scrape(registry);
    expect(Object.fromEntries(x.type)).toEqual(EXPECTED_FAMILIES);
    for (const name of Object.keys(EXPECTED_FAMILIES)) expect(x.help.get(name)).toMatch(/\S/);
    for (const s of x.samples) expect(s.labels['node']).toBe('node-a');
    // Names follow hearsay_<subsystem>_<thing>[_<unit>].
    for (const name of x.type.keys()) expect(name).toMatch(/^hearsay_(membership|gossip|net)_[a-z_]+$/);
    expect(registry.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('known label values are present at zero before anything happens', async () => {
    const x = await scrape(fresh().registry);
    for (const state of ['alive', 'suspect', 'dead', 'left']) {
      expect(sampleValue(x, 'hearsay_membership_members', { state })).toBe(0);
    }
    for (const result of ['ack', 'indirect-ack', 'failed']) {
      expect(sampleValue(x, 'hearsay_membership_probes_total', { result })).toBe(0);
    }
    expect(sampleValue(x, 'hearsay_net_packets_total', { direction: 'in' })).toBe(0);
    expect(
      sampleValue(x, 'hearsay_membership_push_pull_total', { direction: 'received', outcome: 'error' }),
    ).toBe(0);
  });

  it('membership() returns the same object, so metrics are registered once', () => {
    const { registry, m } = fresh();
    expect(registry.membership()).toBe(m);
  });
});

describe('metrics registry: each MembershipMetrics call shows up in the text', () => {
  it('setMembers sets a gauge per state', async () => {
    const { registry, m } = fresh();
    m.setMembers({ alive: 5, suspect: 1, dead: 2, left: 3 });
    const x = await scrape(registry);
    expect(sampleValue(x, 'hearsay_membership_members', { state: 'alive' })).toBe(5);
    expect(sampleValue(x, 'hearsay_membership_members', { state: 'suspect' })).toBe(1);
    expect(sampleValue(x, 'hearsay_membership_members', { state: 'dead' })).toBe(2);
    expect(sampleValue(x, 'hearsay_membership_members', { state: 'left' })).toBe(3);
  });

  it('checksum, incarnation, health score and queue depth are gauges holding the last value', async () => {
    const { registry, m } = fresh();
    m.setChecksum(2 ** 52 - 1);
    m.setLocalIncarnation(7);
    m.setHealthScore(3);
    m.setHealthScore(2);
    m.broadcastQueueDepth(12);
    const x = await scrape(registry);
    expect(sampleValue(x, 'hearsay_membership_checksum')).toBe(2 ** 52 - 1);
    expect(sampleValue(x, 'hearsay_membership_local_incarnation')).toBe(7);
    expect(sampleValue(x, 'hearsay_membership_health_score')).toBe(2);
    expect(sampleValue(x, 'hearsay_gossip_queue_depth')).toBe(12);
  });

  it('an unparseable checksum shows as NaN rather than a plausible number', async () => {
    const { registry, m } = fresh();
    m.setChecksum(checksumToGaugeValue('not-hex'));
    expect(sampleValue(await scrape(registry), 'hearsay_membership_checksum')).toBeNaN();
  });

  it('probes count by result; suspicions, refutations and member events count up', async () => {
    const { registry, m } = fresh();
    m.probe('ack');
    m.probe('ack');
    m.probe('indirect-ack');
    m.probe('failed');
    m.suspicionStarted();
    m.suspicionStarted();
    m.suspicionRefuted();
    m.memberJoined();
    m.memberJoined();
    m.memberJoined();
    m.memberFailed();
    m.memberLeft();
    const x = await scrape(registry);
    expect(sampleValue(x, 'hearsay_membership_probes_total', { result: 'ack' })).toBe(2);
    expect(sampleValue(x, 'hearsay_membership_probes_total', { result: 'indirect-ack' })).toBe(1);
    expect(sampleValue(x, 'hearsay_membership_probes_total', { result: 'failed' })).toBe(1);
    expect(sampleValue(x, 'hearsay_membership_suspicions_total')).toBe(2);
    expect(sampleValue(x, 'hearsay_membership_refutations_total')).toBe(1);
    expect(sampleValue(x, 'hearsay_membership_member_events_total', { event: 'joined' })).toBe(3);
    expect(sampleValue(x, 'hearsay_membership_member_events_total', { event: 'failed' })).toBe(1);
    expect(sampleValue(x, 'hearsay_membership_member_events_total', { event: 'left' })).toBe(1);
  });

  it('durations given in ms are observed in seconds', async () => {
    const { registry, m } = fresh();
    m.probeDuration(3);
    m.probeDuration(400);
    m.pushPullDurationMs(1500);
    m.rumorDissemination(250);
    const x = await scrape(registry);
    const probe = 'hearsay_membership_probe_duration_seconds';
    expect(sampleValue(x, `${probe}_count`)).toBe(2);
    expect(sampleValue(x, `${probe}_sum`)).toBeCloseTo(0.403, 9);
    expect(sampleValue(x, `${probe}_bucket`, { le: '0.005' })).toBe(1);
    expect(sampleValue(x, `${probe}_bucket`, { le: '0.5' })).toBe(2);
    expect(sampleValue(x, `${probe}_bucket`, { le: '+Inf' })).toBe(2);
    expect(sampleValue(x, 'hearsay_membership_push_pull_duration_seconds_sum')).toBeCloseTo(1.5, 9);
    expect(sampleValue(x, 'hearsay_membership_push_pull_duration_seconds_bucket', { le: '1' })).toBe(0);
    expect(sampleValue(x, 'hearsay_membership_push_pull_duration_seconds_bucket', { le: '2.5' })).toBe(1);
    expect(sampleValue(x, 'hearsay_gossip_rumor_dissemination_seconds_sum')).toBeCloseTo(0.25, 9);
  });

  it('push/pull and stream requests count by direction or kind and outcome', async () => {
    const { registry, m } = fresh();
    m.pushPull('initiated', 'ok');
    m.pushPull('initiated', 'ok');
    m.pushPull('received', 'error');
    m.streamRequest('push-pull', 'ok');
    m.streamRequest('ping', 'error');
    const x = await scrape(registry);
    const pp = 'hearsay_membership_push_pull_total';
    expect(sampleValue(x, pp, { direction: 'initiated', outcome: 'ok' })).toBe(2);
    expect(sampleValue(x, pp, { direction: 'initiated', outcome: 'error' })).toBe(0);
    expect(sampleValue(x, pp, { direction: 'received', outcome: 'error' })).toBe(1);
    expect(sampleValue(x, 'hearsay_net_stream_requests_total', { kind: 'push-pull', outcome: 'ok' })).toBe(1);
    expect(sampleValue(x, 'hearsay_net_stream_requests_total', { kind: 'ping', outcome: 'error' })).toBe(1);
  });

  it('packets and bytes count by direction; gossip counts messages; drops count by reason', async () => {
    const { registry, m } = fresh();
    m.packetIn(100);
    m.packetIn(50);
    m.packetOut(1400);
    m.gossipSent(3);
    m.gossipSent(2);
    m.packetDropped('malformed');
    m.packetDropped('malformed');
    m.packetDropped('wrong-cluster');
    const x = await scrape(registry);
    expect(sampleValue(x, 'hearsay_net_packets_total', { direction: 'in' })).toBe(2);
    expect(sampleValue(x, 'hearsay_net_packets_total', { direction: 'out' })).toBe(1);
    expect(sampleValue(x, 'hearsay_net_bytes_total', { direction: 'in' })).toBe(150);
    expect(sampleValue(x, 'hearsay_net_bytes_total', { direction: 'out' })).toBe(1400);
    expect(sampleValue(x, 'hearsay_gossip_messages_sent_total')).toBe(5);
    expect(sampleValue(x, 'hearsay_net_packets_dropped_total', { reason: 'malformed' })).toBe(2);
    expect(sampleValue(x, 'hearsay_net_packets_dropped_total', { reason: 'wrong-cluster' })).toBe(1);
  });
});

describe('metrics registry: robustness', () => {
  it('bad values from a caller never throw and never corrupt counters', async () => {
    const { registry, m } = fresh();
    expect(() => {
      m.gossipSent(-1);
      m.gossipSent(Number.NaN);
      m.packetIn(-5);
      m.probeDuration(-1);
      m.pushPullDurationMs(Number.POSITIVE_INFINITY);
    }).not.toThrow();
    const x = await scrape(registry);
    expect(sampleValue(x, 'hearsay_gossip_messages_sent_total')).toBe(0);
    // The packet still counts; only its impossible size is ignored.
    expect(sampleValue(x, 'hearsay_net_packets_total', { direction: 'in' })).toBe(1);
    expect(sampleValue(x, 'hearsay_net_bytes_total', { direction: 'in' })).toBe(0);
    expect(sampleValue(x, 'hearsay_membership_probe_duration_seconds_count')).toBe(0);
  });

  it('free-form drop reasons are capped so a bug cannot explode the series count', async () => {
    const { registry, m } = fresh();
    for (let i = 0; i < 100; i++) m.packetDropped(`reason-${i}`);
    const x = await scrape(registry);
    const drops = x.samples.filter((s) => s.name === 'hearsay_net_packets_dropped_total');
    expect(drops).toHaveLength(33);
    expect(sampleValue(x, 'hearsay_net_packets_dropped_total', { reason: 'other' })).toBe(68);
  });

  it('label values that need escaping still produce valid text', async () => {
    const { registry, m } = fresh('we"ird\\node\n1');
    m.packetDropped('a "quoted" reason');
    const x = await scrape(registry);
    expect(sampleValue(x, 'hearsay_net_packets_dropped_total', { reason: 'a "quoted" reason' })).toBe(1);
    expect(x.samples[0]?.labels['node']).toBe('we"ird\\node\n1');
  });
});

describe('metrics registry: many nodes in one process', () => {
  it('two registries with the same metric names keep separate values and node labels', async () => {
    const a = fresh('a');
    const b = fresh('b');
    a.m.probe('ack');
    a.m.probe('ack');
    b.m.probe('failed');
    a.m.setChecksum(111);
    b.m.setChecksum(222);
    const xa = await scrape(a.registry);
    const xb = await scrape(b.registry);
    expect(sampleValue(xa, 'hearsay_membership_probes_total', { result: 'ack', node: 'a' })).toBe(2);
    expect(sampleValue(xa, 'hearsay_membership_probes_total', { result: 'failed' })).toBe(0);
    expect(sampleValue(xb, 'hearsay_membership_probes_total', { result: 'ack', node: 'b' })).toBe(0);
    expect(sampleValue(xb, 'hearsay_membership_probes_total', { result: 'failed' })).toBe(1);
    expect(sampleValue(xa, 'hearsay_membership_checksum')).toBe(111);
    expect(sampleValue(xb, 'hearsay_membership_checksum')).toBe(222);
    expect(xb.samples.every((s) => s.labels['node'] === 'b')).toBe(true);
  });

  it("never registers on prom-client's global default register", async () => {
    fresh('x').m.probe('ack');
    expect(await globalRegister.metrics()).not.toContain('hearsay_');
  });

  it('a custom prefix renames every family', async () => {
    const registry = createMetricsRegistry({ node: 'p', prefix: 'other_' });
    registry.membership();
    const x = await scrape(registry);
    expect([...x.type.keys()].every((n) => n.startsWith('other_'))).toBe(true);
    expect(x.type.get('other_membership_probes_total')).toBe('counter');
  });

  it('collectDefault adds prefixed process metrics, per registry, still valid text', async () => {
    const registry = createMetricsRegistry({ node: 'd', collectDefault: true });
    registry.membership();
    const x = await scrape(registry);
    expect(x.type.get('hearsay_process_cpu_seconds_total')).toBe('counter');
    expect(x.samples.every((s) => s.labels['node'] === 'd')).toBe(true);
  });
});
