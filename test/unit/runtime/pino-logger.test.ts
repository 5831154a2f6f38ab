import { describe, expect, it } from 'vitest';
import { LOG_LEVELS, SILENT_LOGGER } from '../../../src/runtime/logger.js';
import { createPinoLogger, type PinoLoggerOptions } from '../../../src/runtime/pino-logger.js';
import { simLogger } from '../../sim/sim-log.js';

/** A logger writing into an array of lines instead of stderr. */
function capture(opts: Omit<PinoLoggerOptions, 'destination'>) {
  const lines: string[] = [];
  const logger = createPinoLogger({ ...opts, destination: { write: (s) => lines.push(s) } });
  const json = (): Record<string, unknown>[] => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, json };
}

describe('createPinoLogger', () => {
  it('writes one JSON object per line: level label, time, bindings, fields, msg — no pid or hostname', () => {
    const { logger, lines, json } = capture({ level: 'info' });
    logger.child({ node: 'n1' }).info({ gossip: '127.0.0.1:7946' }, 'node started');
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    const [line] = json();
    expect(line).toMatchObject({ level: 'info', node: 'n1', gossip: '127.0.0.1:7946', msg: 'node started' });
    expect(Object.keys(line ?? {}).sort()).toEqual(['gossip', 'level', 'msg', 'node', 'time']);
    // The wall clock, as an ISO string.
    expect(Number.isNaN(Date.parse(String(line?.time)))).toBe(false);
  });

  it('drops lines below its level; silent drops everything', () => {
    const { logger, json } = capture({ level: 'warn' });
    logger.debug({}, 'd');
    logger.info({}, 'i');
    logger.warn({}, 'w');
    logger.error({}, 'e');
    expect(json().map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'w'],
      ['error', 'e'],
    ]);
    expect(logger.isLevelEnabled('info')).toBe(false);
    expect(logger.isLevelEnabled('warn')).toBe(true);
    const silent = capture({ level: 'silent' });
    for (const level of ['debug', 'info', 'warn', 'error'] as const) silent.logger[level]({}, level);
    expect(silent.lines).toEqual([]);
    const debug = capture({ level: 'debug' });
    debug.logger.debug({ packet: 1 }, 'd');
    expect(debug.json()).toMatchObject([{ level: 'debug', packet: 1 }]);
  });

  it("adds a child's bindings to every line, nested children included, without touching the parent", () => {
    const { logger, json } = capture({ level: 'info', bindings: { cluster: 'c' } });
    const node = logger.child({ node: 'n1' });
    node.child({ component: 'kv' }).info({ ns: 'default' }, 'a');
    node.info({}, 'b');
    logger.info({}, 'c');
    expect(json()).toMatchObject([
      { cluster: 'c', node: 'n1', component: 'kv', ns: 'default', msg: 'a' },
      { cluster: 'c', node: 'n1', msg: 'b' },
      { cluster: 'c', msg: 'c' },
    ]);
    expect(json()[1]).not.toHaveProperty('component');
    expect(json()[2]).not.toHaveProperty('node');
  });

  it('serialises an Error under `err` with its type, message and stack', () => {
    const { logger, json } = capture({ level: 'info' });
    logger.warn({ err: new RangeError('disk full') }, 'cannot persist the owner set');
    const err = json()[0]?.err as Record<string, unknown>;
    expect(err).toMatchObject({ type: 'RangeError', message: 'disk full' });
    expect(String(err.stack)).toMatch(/RangeError: disk full/);
  });

  it('stamps the injected (virtual) time, so two runs print identical lines', () => {
    const run = (): string[] => {
      let now = 0;
      const { logger, lines } = capture({ level: 'debug', time: () => now });
      const n = logger.child({ node: 'n0' });
      n.info({}, 'node started');
      now = 1234.5;
      n.debug({ peer: 'n1' }, 'exchange failed');
      return lines;
    };
    const a = run();
    expect(a).toEqual(run());
    expect(a.map((l) => JSON.parse(l).time)).toEqual([0, 1234.5]);
  });

  it('pretty: one human-readable line per call, with the node before the message and no JSON braces around it', () => {
    const { logger, lines } = capture({ level: 'info', format: 'pretty', time: () => 42 });
    logger.child({ node: 'n2' }).info({ member: 'n3', to: 'suspect' }, 'member state changed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[42\] INFO: n2: member state changed .*"member":"n3"/);
    expect(lines[0]).not.toContain(String.fromCharCode(27)); // no colour escapes unless asked
  });
});

describe('SILENT_LOGGER', () => {
  it('accepts every call, its children are itself, and no level is enabled', () => {
    expect(SILENT_LOGGER.child({ node: 'x' })).toBe(SILENT_LOGGER);
    for (const level of ['debug', 'info', 'warn', 'error'] as const) {
      SILENT_LOGGER[level]({ a: 1 }, 'x');
      expect(SILENT_LOGGER.isLevelEnabled(level)).toBe(false);
    }
    expect(LOG_LEVELS).toEqual(['debug', 'info', 'warn', 'error', 'silent']);
  });
});

describe('simLogger (HEARSAY_SIM_LOG)', () => {
  it('is silent unless HEARSAY_SIM_LOG names a level, and refuses a bad one', () => {
    expect(simLogger(() => 0, {})).toBe(SILENT_LOGGER);
    expect(simLogger(() => 0, { HEARSAY_SIM_LOG: '' })).toBe(SILENT_LOGGER);
    expect(simLogger(() => 0, { HEARSAY_SIM_LOG: 'silent' })).toBe(SILENT_LOGGER);
    expect(simLogger(() => 0, { HEARSAY_SIM_LOG: 'debug' }).isLevelEnabled('debug')).toBe(true);
    expect(simLogger(() => 0, { HEARSAY_SIM_LOG: 'warn' }).isLevelEnabled('info')).toBe(false);
    expect(() => simLogger(() => 0, { HEARSAY_SIM_LOG: 'loud' })).toThrow(/HEARSAY_SIM_LOG must be one of/);
    expect(() => simLogger(() => 0, { HEARSAY_SIM_LOG: 'info', HEARSAY_SIM_LOG_FORMAT: 'xml' })).toThrow(
      /HEARSAY_SIM_LOG_FORMAT must be json or pretty/,
    );
  });
});
