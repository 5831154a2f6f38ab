import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  checksumToGaugeValue,
  type MembershipMetrics,
  NOOP_MEMBERSHIP_METRICS,
} from '../../../src/membership/membership-metrics.js';

describe('MembershipMetrics interface', () => {
  it('the noop implementation satisfies the interface', () => {
    expectTypeOf(NOOP_MEMBERSHIP_METRICS).toEqualTypeOf<MembershipMetrics>();
  });

  it('the noop implementation accepts every call and does nothing', () => {
    const m = NOOP_MEMBERSHIP_METRICS;
    const results: unknown[] = [
      m.setMembers({ alive: 1, suspect: 0, dead: 0, left: 0 }),
      m.setChecksum(1),
      m.setLocalIncarnation(1),
      m.setHealthScore(1),
      m.probe('ack'),
      m.probeDuration(1),
      m.suspicionStarted(),
      m.suspicionRefuted(),
      m.memberFailed(),
      m.memberLeft(),
      m.memberJoined(),
      m.broadcastQueueDepth(1),
      m.gossipSent(1),
      m.pushPull('initiated', 'ok'),
      m.pushPullDurationMs(1),
      m.packetIn(1),
      m.packetOut(1),
      m.packetDropped('malformed'),
      m.streamRequest('push-pull', 'error'),
      m.rumorDissemination(1),
    ];
    expect(results.every((r) => r === undefined)).toBe(true);
    expect(Object.isFrozen(m)).toBe(true);
  });

  it('the interface module does not import a Prometheus library (the core must not depend on one)', () => {
    const source = readFileSync(
      new URL('../../../src/membership/membership-metrics.ts', import.meta.url),
      'utf8',
    );
    expect(source).not.toMatch(/^\s*import\s/m);
  });
});

describe('checksumToGaugeValue', () => {
  it('takes the first 52 bits of the hex checksum, exactly', () => {
    expect(checksumToGaugeValue('fffffffffffff0123')).toBe(2 ** 52 - 1);
    expect(checksumToGaugeValue('0000000000001ffff')).toBe(1);
    expect(checksumToGaugeValue('ABCDEF')).toBe(0xabcdef);
  });

  it('equal checksums give equal values and different prefixes differ', () => {
    const a = 'a3f19c2e7d4b8a01';
    expect(checksumToGaugeValue(a)).toBe(checksumToGaugeValue(a));
    expect(checksumToGaugeValue('a3f19c2e7d4b9a01')).not.toBe(checksumToGaugeValue(a));
  });

  it('non-hex input is NaN, not a misleading number', () => {
    expect(checksumToGaugeValue('')).toBeNaN();
    expect(checksumToGaugeValue('xyz')).toBeNaN();
  });
});
