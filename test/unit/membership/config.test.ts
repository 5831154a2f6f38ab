import { describe, expect, it } from 'vitest';
import {
  lanConfig,
  localConfig,
  type MembershipConfig,
  validateMembershipConfig,
  wanConfig,
} from '../../../src/membership/config.js';

describe('membership config presets', () => {
  it('lanConfig equals memberlist DefaultLANConfig', () => {
    expect(lanConfig()).toMatchObject({
      probeIntervalMs: 1000,
      probeTimeoutMs: 500,
      indirectChecks: 3,
      retransmitMult: 4,
      suspicionMult: 4,
      suspicionMaxTimeoutMult: 6,
      awarenessMaxMultiplier: 8,
      gossipIntervalMs: 200,
      gossipNodes: 3,
      gossipToTheDeadTimeMs: 30_000,
      pushPullIntervalMs: 30_000,
      tcpTimeoutMs: 10_000,
      deadNodeReclaimTimeMs: 0,
      udpBufferSizeBytes: 1400,
      maxMetaBytes: 512,
    });
  });

  it('wanConfig equals memberlist DefaultWANConfig', () => {
    expect(wanConfig()).toEqual({
      ...lanConfig(),
      tcpTimeoutMs: 30_000,
      suspicionMult: 6,
      pushPullIntervalMs: 60_000,
      probeTimeoutMs: 3000,
      probeIntervalMs: 5000,
      gossipNodes: 4,
      gossipIntervalMs: 500,
      gossipToTheDeadTimeMs: 60_000,
    });
  });

  it('localConfig equals memberlist DefaultLocalConfig, with shorter reaping for dev clusters', () => {
    expect(localConfig()).toEqual({
      ...lanConfig(),
      tcpTimeoutMs: 1000,
      indirectChecks: 1,
      retransmitMult: 2,
      suspicionMult: 3,
      pushPullIntervalMs: 15_000,
      probeTimeoutMs: 200,
      probeIntervalMs: 1000,
      gossipIntervalMs: 100,
      gossipToTheDeadTimeMs: 15_000,
      deadReapTimeoutMs: 3_600_000,
      leftReapTimeoutMs: 3_600_000,
    });
  });

  it('keeps Serf’s reap defaults on LAN', () => {
    expect(lanConfig()).toMatchObject({
      reapIntervalMs: 15_000,
      deadReapTimeoutMs: 86_400_000,
      leftReapTimeoutMs: 86_400_000,
      broadcastQueueMaxDepth: 4096,
    });
  });

  it('every preset is valid', () => {
    for (const preset of [lanConfig, wanConfig, localConfig])
      expect(validateMembershipConfig(preset())).toEqual([]);
  });

  it('returns a fresh object each call', () => {
    const a = lanConfig() as { probeIntervalMs: number };
    a.probeIntervalMs = 1;
    expect(lanConfig().probeIntervalMs).toBe(1000);
  });
});

describe('validateMembershipConfig', () => {
  const errorsFor = (patch: Partial<Record<keyof MembershipConfig, unknown>>): readonly string[] =>
    validateMembershipConfig({ ...lanConfig(), ...patch } as MembershipConfig);

  it('requires the probe timeout to be shorter than the probe interval', () => {
    const errors = errorsFor({ probeTimeoutMs: 1000 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/probeTimeoutMs \(1000\) must be less than probeIntervalMs \(1000\)/);
  });

  it.each([
    ['probeIntervalMs', 0],
    ['probeTimeoutMs', -1],
    ['indirectChecks', 1.5],
    ['retransmitMult', 0],
    ['suspicionMult', 0],
    ['suspicionMaxTimeoutMult', 0],
    ['awarenessMaxMultiplier', 0],
    ['gossipIntervalMs', -200],
    ['gossipNodes', -1],
    ['gossipToTheDeadTimeMs', Number.NaN],
    ['pushPullIntervalMs', Number.POSITIVE_INFINITY],
    ['tcpTimeoutMs', 0],
    ['deadNodeReclaimTimeMs', -1],
    ['reapIntervalMs', 0],
    ['deadReapTimeoutMs', -1],
    ['leftReapTimeoutMs', -1],
    ['udpBufferSizeBytes', 100],
    ['udpBufferSizeBytes', 70_000],
    ['maxMetaBytes', -1],
    ['broadcastQueueMaxDepth', 0],
    ['protocolVersion', 0],
  ] as const)('rejects %s = %s, naming the field', (field, value) => {
    const errors = errorsFor({ [field]: value });
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.some((e) => e.startsWith(field))).toBe(true);
  });

  it('allows 0 to disable gossip and push/pull', () => {
    expect(errorsFor({ gossipIntervalMs: 0, gossipNodes: 0, pushPullIntervalMs: 0 })).toEqual([]);
  });

  it('requires gossip fan-out when gossip is on', () => {
    expect(errorsFor({ gossipNodes: 0 })).toEqual([expect.stringMatching(/^gossipNodes must be at least 1/)]);
  });

  it('requires metadata to fit in a packet', () => {
    expect(errorsFor({ maxMetaBytes: 1400 })).toEqual([expect.stringMatching(/^maxMetaBytes \(1400\)/)]);
  });

  it('reports every problem at once', () => {
    expect(errorsFor({ probeIntervalMs: 0, tcpTimeoutMs: 0, gossipNodes: -1 })).toHaveLength(3);
  });
});
