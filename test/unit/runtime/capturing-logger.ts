import type { LogFields, Logger, LogLevel } from '../../../src/runtime/logger.js';

export interface LogLine {
  readonly level: Exclude<LogLevel, 'silent'>;
  readonly msg: string;
  /** The child bindings and the call's fields, merged. */
  readonly fields: LogFields;
}

/** A Logger that keeps every line (at every level) in `lines`, shared by its children: for asserting on logs. */
export class CapturingLogger implements Logger {
  constructor(
    readonly lines: LogLine[] = [],
    private readonly bindings: LogFields = {},
  ) {}

  debug(fields: LogFields, msg: string): void {
    this.lines.push({ level: 'debug', msg, fields: { ...this.bindings, ...fields } });
  }
  info(fields: LogFields, msg: string): void {
    this.lines.push({ level: 'info', msg, fields: { ...this.bindings, ...fields } });
  }
  warn(fields: LogFields, msg: string): void {
    this.lines.push({ level: 'warn', msg, fields: { ...this.bindings, ...fields } });
  }
  error(fields: LogFields, msg: string): void {
    this.lines.push({ level: 'error', msg, fields: { ...this.bindings, ...fields } });
  }
  child(bindings: LogFields): Logger {
    return new CapturingLogger(this.lines, { ...this.bindings, ...bindings });
  }
  isLevelEnabled(): boolean {
    return true;
  }

  at(level: LogLine['level']): LogLine[] {
    return this.lines.filter((l) => l.level === level);
  }
}
