import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type AgentConfig,
  ConfigError,
  envName,
  fromEnv,
  fromFile,
  resolveAgentConfig,
} from '../../../src/cli/agent-config.js';

const defaults: AgentConfig = {
  name: 'host1',
  bind: '127.0.0.1',
  port: 7946,
  httpPort: 8080,
  join: [],
  dataDir: '',
  durability: 'sync',
  zone: 'default',
  cluster: 'hearsay',
  mtuBytes: 1400,
  profile: 'lan',
  encrypt: [],
  label: '',
  logLevel: 'info',
  logFormat: 'auto',
  store: {},
};

const dir = mkdtempSync(join(tmpdir(), 'hearsay-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('agent configuration', () => {
  it('uses the defaults, with the data dir named after the node', () => {
    const c = resolveAgentConfig(defaults);
    expect(c).toMatchObject({ name: 'host1', port: 7946, dataDir: './data/host1', join: [] });
  });

  it('takes flags over env over file', () => {
    const file = join(dir, 'a.json');
    writeFileSync(file, JSON.stringify({ port: 1000, zone: 'file-zone', join: ['10.0.0.1:7946'] }));
    const env = fromEnv({ HEARSAY_PORT: '2000', HEARSAY_HTTP_PORT: '9000' });
    const c = resolveAgentConfig(defaults, fromFile(file), env, { port: '3000' });
    expect(c.port).toBe(3000);
    expect(c.httpPort).toBe(9000);
    expect(c.zone).toBe('file-zone');
    expect(c.join).toEqual(['10.0.0.1:7946']);
  });

  it('splits a comma-separated list of encryption keys, primary first', () => {
    const c = resolveAgentConfig(defaults, { encrypt: 'a2V5MQ==, a2V5Mg==' });
    expect(c.encrypt).toEqual(['a2V5MQ==', 'a2V5Mg==']);
  });

  it('names env vars HEARSAY_<UPPER_SNAKE>', () => {
    expect(envName('httpPort')).toBe('HEARSAY_HTTP_PORT');
    expect(envName('dataDir')).toBe('HEARSAY_DATA_DIR');
  });

  it('splits a comma-separated join list', () => {
    const c = resolveAgentConfig(defaults, { join: 'a.local:1, [::1]:7946 ,b:2' });
    expect(c.join).toEqual(['a.local:1', '[::1]:7946', 'b:2']);
  });

  it.each([
    [{ port: '70000' }, /port must be an integer port/],
    [{ port: 'abc' }, /port must be an integer port/],
    [{ httpPort: '-1' }, /httpPort/],
    [{ join: 'nohost' }, /not host:port/],
    [{ join: 'h:99999' }, /not host:port/],
    [{ name: 'bad name!' }, /name "bad name!"/],
    [{ mtuBytes: '100' }, /mtuBytes/],
    [{ zone: '  ' }, /zone must not be empty/],
    [{ profile: 'fast' }, /profile must be lan, wan or local/],
    [{ label: 'x'.repeat(256) }, /label must be at most 255 bytes/],
    [{ logLevel: 'nonsense' }, /logLevel must be one of debug, info, warn, error, silent, got "nonsense"/],
    [{ logFormat: 'xml' }, /logFormat must be json, pretty or auto/],
    [{ durability: 'periodic' }, /durability must be one of sync, os, got "periodic"/],
  ])('rejects %j with a clear message', (raw, msg) => {
    expect(() => resolveAgentConfig(defaults, raw)).toThrow(ConfigError);
    expect(() => resolveAgentConfig(defaults, raw)).toThrow(msg);
  });

  it('reads the log level and format like every other option: flag over env over file', () => {
    expect(resolveAgentConfig(defaults)).toMatchObject({ logLevel: 'info', logFormat: 'auto' });
    expect(envName('logLevel')).toBe('HEARSAY_LOG_LEVEL');
    const file = join(dir, 'log.json');
    writeFileSync(file, JSON.stringify({ logLevel: 'warn', logFormat: 'pretty' }));
    expect(resolveAgentConfig(defaults, fromFile(file))).toMatchObject({
      logLevel: 'warn',
      logFormat: 'pretty',
    });
    const env = fromEnv({ HEARSAY_LOG_LEVEL: 'error', HEARSAY_LOG_FORMAT: 'json' });
    expect(resolveAgentConfig(defaults, fromFile(file), env)).toMatchObject({
      logLevel: 'error',
      logFormat: 'json',
    });
    expect(resolveAgentConfig(defaults, fromFile(file), env, { logLevel: 'DEBUG' }).logLevel).toBe('debug');
  });

  it('reads durability from flag, env (HEARSAY_DURABILITY) or file; sync by default', () => {
    expect(resolveAgentConfig(defaults).durability).toBe('sync');
    expect(envName('durability')).toBe('HEARSAY_DURABILITY');
    const file = join(dir, 'durability.json');
    writeFileSync(file, JSON.stringify({ durability: 'os' }));
    expect(resolveAgentConfig(defaults, fromFile(file)).durability).toBe('os');
    const env = fromEnv({ HEARSAY_DURABILITY: 'sync' });
    expect(resolveAgentConfig(defaults, fromFile(file), env).durability).toBe('sync');
    expect(resolveAgentConfig(defaults, fromFile(file), env, { durability: 'OS' }).durability).toBe('os');
  });

  it('rejects unreadable, invalid and unknown-key config files', () => {
    expect(() => fromFile(join(dir, 'missing.json'))).toThrow(/cannot read config file/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ nope');
    expect(() => fromFile(bad)).toThrow(/not valid JSON/);
    const unknown = join(dir, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ prot: 1 }));
    expect(() => fromFile(unknown)).toThrow(/unknown key "prot"/);
    const arr = join(dir, 'arr.json');
    writeFileSync(arr, '[1]');
    expect(() => fromFile(arr)).toThrow(/JSON object/);
  });

  it('takes store settings from the file\'s "store" object and rejects unknown store keys', () => {
    const file = join(dir, 'store.json');
    const store = {
      namespaces: { bank: { strict: true }, sessions: { conflict: 'lww' } },
      request: { timeoutMs: 2000 },
    };
    writeFileSync(file, JSON.stringify({ port: 1000, store }));
    expect(resolveAgentConfig(defaults, fromFile(file)).store).toEqual(store);
    expect(resolveAgentConfig(defaults).store).toEqual({});
    const typo = join(dir, 'typo.json');
    writeFileSync(typo, JSON.stringify({ store: { namespace: {} } }));
    expect(() => fromFile(typo)).toThrow(/unknown store key "namespace"/);
    const notObject = join(dir, 'not-object.json');
    writeFileSync(notObject, JSON.stringify({ store: 'strict' }));
    expect(() => fromFile(notObject)).toThrow(/"store" must be an object/);
    const fieldTypo = join(dir, 'field-typo.json');
    writeFileSync(fieldTypo, JSON.stringify({ store: { request: { timeout: 2000 } } }));
    expect(() => fromFile(fieldTypo)).toThrow(
      /unknown store key "request\.timeout" \(known in request: timeoutMs,/,
    );
    const flat = join(dir, 'flat.json');
    writeFileSync(flat, JSON.stringify({ store: { rumor: 3 } }));
    expect(() => fromFile(flat)).toThrow(/store key "rumor" must be an object/);
  });
});
