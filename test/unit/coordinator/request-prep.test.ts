import { describe, expect, it } from 'vitest';
import { defaultCoordinatorConfig } from '../../../src/coordinator/config.js';
import type { NamespaceConfig } from '../../../src/coordinator/namespace-config.js';
import { requestQuorum, validateRequest } from '../../../src/coordinator/request-prep.js';
import { MAX_KEY_BYTES } from '../../../src/storage/layout.js';

const config = { ...defaultCoordinatorConfig(), timeoutMs: 5000, maxTimeoutMs: 60_000 };
const key = new Uint8Array([1]);
const plain: NamespaceConfig = { n: 3, r: 'quorum', w: 'quorum', strict: false, conflict: 'siblings' };
const strict: NamespaceConfig = { ...plain, strict: true };

describe('validateRequest: checked once, before any replica is asked', () => {
  const cases: readonly { name: string; req: Parameters<typeof validateRequest>[1]; error?: RegExp }[] = [
    { name: 'a plain request, default timeout', req: { ns: 'users', key } },
    { name: 'empty namespace', req: { ns: '', key }, error: /^namespace must be 1\.\.255 bytes/ },
    { name: 'reserved namespace', req: { ns: '\u0000data', key }, error: /must not start with NUL/ },
    { name: 'namespace over 255 bytes', req: { ns: 'x'.repeat(256), key }, error: /^namespace/ },
    {
      name: 'empty key',
      req: { ns: 'a', key: new Uint8Array(0) },
      error: /^key must be 1\.\.240 bytes, got 0/,
    },
    {
      name: 'key over the one limit',
      req: { ns: 'a', key: new Uint8Array(MAX_KEY_BYTES + 1) },
      error: /^key must be 1\.\.240 bytes, got 241/,
    },
    { name: 'key at the limit', req: { ns: 'a', key: new Uint8Array(MAX_KEY_BYTES) } },
    { name: 'timeout 0', req: { ns: 'a', key, timeoutMs: 0 }, error: /^timeout must be an integer/ },
    { name: 'timeout over the max', req: { ns: 'a', key, timeoutMs: 60_001 }, error: /\[1, 60000\]/ },
    { name: 'fractional timeout', req: { ns: 'a', key, timeoutMs: 1.5 }, error: /^timeout/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = validateRequest(config, c.req);
      if (c.error === undefined) expect(r).toEqual({ kind: 'ok', timeoutMs: c.req.timeoutMs ?? 5000 });
      else
        expect(r).toMatchObject({
          kind: 'invalid',
          reason: 'bad-request',
          error: expect.stringMatching(c.error),
        });
    });
  }
});

describe('requestQuorum', () => {
  it('resolves the asked quorum, or the namespace default, within N', () => {
    expect(requestQuorum(plain, 'r', undefined)).toEqual({ quorum: 2 });
    expect(requestQuorum(plain, 'w', 'all')).toEqual({ quorum: 3 });
    expect(requestQuorum(plain, 'r', '1')).toEqual({ quorum: 1 });
    expect(requestQuorum(plain, 'r', '4')).toMatchObject({ kind: 'invalid' });
    expect(requestQuorum(plain, 'w', 'most')).toMatchObject({ kind: 'invalid' });
  });

  it('strict namespaces refuse a quorum that no longer overlaps the other (W + R > N), and give R to writes', () => {
    expect(requestQuorum(strict, 'w', undefined)).toEqual({ quorum: 2, strictR: 2 });
    expect(requestQuorum(strict, 'r', 'all')).toEqual({ quorum: 3, strictR: 3 });
    expect(requestQuorum(strict, 'r', 'one')).toMatchObject({
      kind: 'invalid',
      error: expect.stringMatching(/strict mode requires W \+ R > N/),
    });
    expect(requestQuorum(strict, 'w', '1')).toMatchObject({ kind: 'invalid' });
  });
});
