/**
 * Structured logs as seen by protocol code (DESIGN.md §1–§2): injected like the clock, so nothing below the
 * HTTP layer picks a destination, a format or a time source. Shaped like pino's `(fields, msg)` calls, so a
 * pino logger is a Logger as it is (`pino-logger.ts` makes the node's one; the simulator's stamps virtual time).
 *
 * Levels: `debug` for per-request and per-packet detail (never above it: a busy node must not flood its
 * logs), `info` for lifecycle (started, joined, left, a member's state changed), `warn` for a failure the node
 * survives and would otherwise swallow (a disk write that failed, a rumor that could not be stored), with its
 * cause under `err`; `error` for a bug (an HTTP handler that threw).
 */
export type LogFields = Record<string, unknown>;

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
/** A logger's threshold: lines below it are dropped; `silent` drops every line. */
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  debug(fields: LogFields, msg: string): void;
  info(fields: LogFields, msg: string): void;
  warn(fields: LogFields, msg: string): void;
  error(fields: LogFields, msg: string): void;
  /** A logger that adds `bindings` to every line (e.g. `{ node: name }`, `{ component: 'kv' }`). */
  child(bindings: LogFields): Logger;
  /** Whether a line at `level` would be written: skip building costly fields (or watchers) when not. */
  isLevelEnabled(level: Exclude<LogLevel, 'silent'>): boolean;
}

const drop = (): void => {};

/** Drops every line: the default of every component, and of the simulator unless HEARSAY_SIM_LOG is set. */
export const SILENT_LOGGER: Logger = Object.freeze({
  debug: drop,
  info: drop,
  warn: drop,
  error: drop,
  child: () => SILENT_LOGGER,
  isLevelEnabled: () => false,
});

export function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}
