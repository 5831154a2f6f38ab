import { pino } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { LogFields, Logger, LogLevel } from './logger.js';

/** Where lines go: a file descriptor (2 = stderr) or anything with a synchronous `write` (tests capture lines). */
export type LogDestination = number | { write(line: string): void };

export interface PinoLoggerOptions {
  readonly level: LogLevel;
  /** `json` (default): one JSON object per line. `pretty`: pino-pretty's human-readable line. */
  readonly format?: 'json' | 'pretty';
  /** Default 2 (stderr). */
  readonly destination?: LogDestination;
  /**
   * The time stamped on each line, in ms. Default: the wall clock, as an ISO string. The simulator passes its
   * virtual clock (a number of virtual ms), so a replayed seed logs the very same lines.
   */
  readonly time?: () => number;
  /**
   * Fields on every line. Default: none — in particular no pid or hostname (pino's default `base`), which
   * would differ between two runs of the same seed; a node adds `{ node: name }` with `child`.
   */
  readonly bindings?: LogFields;
  /** Colours in the pretty format (default false; the CLI turns them on for a terminal). */
  readonly colorize?: boolean;
}

/**
 * The real runtime's logger: pino, writing synchronously from this thread (no worker-thread transport), so
 * the last lines before a `process.exit` are never lost and a simulation's lines come out in event order.
 */
export function createPinoLogger(opts: PinoLoggerOptions): Logger {
  const time = opts.time;
  const logger = pino(
    {
      level: opts.level,
      base: opts.bindings ?? null,
      // "level":"warn" rather than pino's 40: readable in `docker logs`, and what log shippers match on.
      formatters: { level: (label) => ({ level: label }) },
      timestamp: time === undefined ? pino.stdTimeFunctions.isoTime : () => `,"time":${time()}`,
    },
    destinationStream(opts),
  );
  return logger;
}

function destinationStream(opts: PinoLoggerOptions): { write(line: string): void } {
  const dest = opts.destination ?? 2;
  const out = typeof dest === 'number' ? pino.destination({ dest, sync: true }) : dest;
  if (opts.format !== 'pretty') return out;
  const pretty = prettyFactory({
    colorize: opts.colorize ?? false,
    singleLine: true,
    // Virtual ms stay numbers; wall-clock ISO stamps read as local time of day.
    translateTime: opts.time === undefined ? 'SYS:HH:MM:ss.l' : false,
    ignore: 'pid,hostname,node',
    messageFormat: '{if node}{node}: {end}{msg}',
  });
  return { write: (line: string) => out.write(pretty(line)) };
}
