import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseHttpAddress, timeoutArg } from '../../../src/cli/args.js';
import { MAX_REQUEST_TIMEOUT_MS } from '../../../src/coordinator/config.js';
import { defaultKvConfig } from '../../../src/node/store-config.js';

describe('parseHttpAddress (--http)', () => {
  it('accepts host:port, http://host:port and http://host:port/ as host:port', () => {
    for (const [input, address] of [
      ['127.0.0.1:8080', '127.0.0.1:8080'],
      ['localhost:8081', 'localhost:8081'],
      ['http://127.0.0.1:8080', '127.0.0.1:8080'],
      ['http://127.0.0.1:8080/', '127.0.0.1:8080'],
      ['HTTP://node-a.local:80/', 'node-a.local:80'],
      ['[::1]:8080', '[::1]:8080'],
      ['http://[::1]:8080/', '[::1]:8080'],
    ]) {
      expect(parseHttpAddress(input as string), input).toEqual({ ok: true, address });
    }
  });

  it('refuses with the reason: https, credentials, path, query, fragment, missing port, other schemes', () => {
    const cases: [string, RegExp][] = [
      ['https://127.0.0.1:8080', /uses https, but the agent serves plain HTTP/],
      ['http://user:pw@127.0.0.1:8080', /has credentials/],
      ['http://user@127.0.0.1:8080/', /has credentials/],
      ['http://127.0.0.1:8080/kv/k', /has a path/],
      ['http://127.0.0.1:8080//', /has a path/],
      ['http://127.0.0.1:8080?r=1', /has a query/],
      ['http://127.0.0.1:8080/?r=1', /has a query/],
      ['http://127.0.0.1:8080#x', /has a fragment/],
      ['http://127.0.0.1', /is not http:\/\/host:port \(a port is required\)/],
      ['http://127.0.0.1:0', /is not http:\/\/host:port/],
      ['ftp://127.0.0.1:21', /has scheme "ftp"/],
      ['127.0.0.1', /is not host:port or http:\/\/host:port/],
      ['127.0.0.1:8080/', /is not host:port or http:\/\/host:port/],
      ['', /is not host:port/],
    ];
    for (const [input, message] of cases) {
      const r = parseHttpAddress(input);
      expect(r.ok, input).toBe(false);
      if (!r.ok) {
        expect(r.error, input).toMatch(message);
        expect(r.error.startsWith(`--http "${input}" `), input).toBe(true);
      }
    }
  });
});

describe('timeoutArg (--timeout)', () => {
  it("is the agent's limit: the limit is accepted, one more is refused", () => {
    // The server's default limit is the same constant, so the CLI never sends a timeout the agent refuses.
    expect(defaultKvConfig().request.maxTimeoutMs).toBe(MAX_REQUEST_TIMEOUT_MS);
    expect(timeoutArg(String(MAX_REQUEST_TIMEOUT_MS))).toBe(MAX_REQUEST_TIMEOUT_MS);
    expect(timeoutArg('1')).toBe(1);
    for (const bad of [String(MAX_REQUEST_TIMEOUT_MS + 1), '0', '1.5', 'x']) {
      expect(() => timeoutArg(bad), bad).toThrow(InvalidArgumentError);
      expect(() => timeoutArg(bad), bad).toThrow(`[1, ${MAX_REQUEST_TIMEOUT_MS}]`);
    }
  });
});
