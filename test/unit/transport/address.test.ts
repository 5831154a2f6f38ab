import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAddress, parseAddress } from '../../../src/transport/transport.js';

describe('parseAddress', () => {
  it.each([
    ['127.0.0.1:7946', { host: '127.0.0.1', port: 7946 }],
    ['node-1.example:1', { host: 'node-1.example', port: 1 }],
    ['[::1]:65535', { host: '::1', port: 65535 }],
    ['[fe80::1%eth0]:80', { host: 'fe80::1%eth0', port: 80 }],
  ])('parses %s', (addr, want) => {
    expect(parseAddress(addr)).toEqual(want);
  });

  it.each([
    '',
    '127.0.0.1',
    '127.0.0.1:',
    ':7946',
    '127.0.0.1:0',
    '127.0.0.1:65536',
    '127.0.0.1:123456',
    '127.0.0.1:-1',
    '127.0.0.1:80x',
    '::1:80',
    '[::1]',
    '[::1:80',
    'host:80:81',
    'not an address',
  ])('rejects %j', (addr) => {
    expect(parseAddress(addr)).toBeNull();
  });

  it('round-trips formatAddress for IPv4, names and IPv6', () => {
    const host = fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain());
    fc.assert(
      fc.property(host, fc.integer({ min: 1, max: 65535 }), (h, port) => {
        expect(parseAddress(formatAddress(h, port))).toEqual({ host: h, port });
      }),
    );
  });
});
