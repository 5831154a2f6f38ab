import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  PACKET_DROP_LABELS,
  registerUnknownMessageMetrics,
  STREAM_REJECT_LABELS,
} from '../../../src/metrics/prom-transport-metrics.js';
import { createMetricsRegistry } from '../../../src/metrics/registry.js';
import { PACKET_DROP_REASONS, STREAM_REJECT_REASONS } from '../../../src/transport/stats.js';
import { SEAL_ERROR_KINDS } from '../../../src/wire/seal.js';
import { checkExposition, type Exposition, sampleValue } from './exposition.js';

async function scrape(text: Promise<string>): Promise<Exposition> {
  const { exposition, errors } = checkExposition(await text);
  expect(errors).toEqual([]);
  return exposition;
}

const DROPPED = 'hearsay_net_packets_dropped_total';
const REJECTED = 'hearsay_net_stream_rejected_total';

describe('transport metrics', () => {
  it('every stream rejection reason (transport and frame seal kinds) starts at zero', async () => {
    const registry = createMetricsRegistry({ node: 'n1' });
    registry.transport();
    const x = await scrape(registry.text());
    expect(x.type.get(REJECTED)).toBe('counter');
    expect(STREAM_REJECT_LABELS).toEqual([...STREAM_REJECT_REASONS, ...SEAL_ERROR_KINDS]);
    for (const reason of STREAM_REJECT_LABELS) expect(sampleValue(x, REJECTED, { reason })).toBe(0);
  });

  it('transport packet drops land in the membership drop counter under kebab-case reasons', async () => {
    const registry = createMetricsRegistry({ node: 'n1' });
    const t = registry.transport();
    // The same counter the membership layer's decode and seal drops use.
    registry.membership().packetDropped('malformed');
    for (const r of PACKET_DROP_REASONS) t.packetDropped(r);
    t.packetDropped('empty');
    const x = await scrape(registry.text());
    expect(sampleValue(x, DROPPED, { reason: 'malformed' })).toBe(1);
    expect(sampleValue(x, DROPPED, { reason: 'empty' })).toBe(2);
    for (const r of ['oversize', 'send-bad-address', 'send-error', 'handler-error']) {
      expect(sampleValue(x, DROPPED, { reason: r })).toBe(1);
    }
    expect(Object.keys(PACKET_DROP_LABELS).sort()).toEqual([...PACKET_DROP_REASONS].sort());
  });

  it('counts stream rejections by reason, seal kinds included', async () => {
    const registry = createMetricsRegistry({ node: 'n1' });
    const t = registry.transport();
    expect(registry.transport()).toBe(t);
    t.streamRejected('first-frame-timeout');
    t.streamRejected('first-frame-timeout');
    t.streamRejected('bad-label');
    const x = await scrape(registry.text());
    expect(sampleValue(x, REJECTED, { reason: 'first-frame-timeout' })).toBe(2);
    expect(sampleValue(x, REJECTED, { reason: 'bad-label' })).toBe(1);
    expect(sampleValue(x, REJECTED, { reason: 'idle-timeout' })).toBe(0);
  });

  it('unknown messages advance by the reader delta at each scrape and never go down', async () => {
    const register = new Registry();
    let n = 0;
    registerUnknownMessageMetrics(register, 'hearsay_', () => n);
    const read = async (): Promise<number> =>
      sampleValue(await scrape(register.metrics()), 'hearsay_net_unknown_messages_total');
    expect(await read()).toBe(0);
    n = 3;
    expect(await read()).toBe(3);
    expect(await read()).toBe(3);
    n = 5;
    expect(await read()).toBe(5);
  });
});
