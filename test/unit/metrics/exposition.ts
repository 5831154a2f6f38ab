/**
 * A tiny Prometheus text-format (0.0.4) parser and checker for tests; promtool is not installed. Strict
 * enough to catch malformed lines, missing HELP/TYPE and broken histograms, not a full implementation.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly help: ReadonlyMap<string, string>;
  readonly type: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_NAME = '[a-zA-Z_][a-zA-Z0-9_]*';
const LABEL_VALUE = '"(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const LABEL = `${LABEL_NAME}=${LABEL_VALUE}`;
// Prometheus parses values with Go's strconv.ParseFloat, which takes NaN/Inf in any case (prom-client writes "Nan").
const VALUE = '(?:[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?|[nN][aA][nN]|[+-][iI][nN][fF])';
const SAMPLE_LINE = new RegExp(
  `^(${NAME})(?:\\{((?:${LABEL}(?:,${LABEL})*)?,?)\\})? (${VALUE})(?: -?\\d+)?$`,
);
const LABEL_PAIR = new RegExp(`(${LABEL_NAME})=(${LABEL_VALUE})`, 'g');
const HELP_LINE = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'] as const;

function unescapeLabelValue(quoted: string): string {
  return quoted.slice(1, -1).replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(raw: string): number {
  const lower = raw.toLowerCase();
  if (lower === '+inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  if (lower === 'nan') return Number.NaN;
  return Number(raw);
}

/** The metric family a sample belongs to: histogram samples carry a suffix. */
function familyOf(name: string, types: ReadonlyMap<string, string>): string {
  for (const suffix of HISTOGRAM_SUFFIXES) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      if (types.get(base) === 'histogram' || types.get(base) === 'summary') return base;
    }
  }
  return name;
}

/** Parses and validates; returns the parsed exposition and every problem found (empty when valid). */
export function checkExposition(text: string): {
  readonly exposition: Exposition;
  readonly errors: string[];
} {
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const samples: Sample[] = [];
  const errors: string[] = [];
  const lines = text.split('\n');
  if (text.length > 0 && !text.endsWith('\n')) errors.push('exposition must end with a newline');

  for (const [i, line] of lines.entries()) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const h = HELP_LINE.exec(line);
      const t = TYPE_LINE.exec(line);
      if (h) {
        if (help.has(h[1]!)) errors.push(`line ${i + 1}: duplicate HELP for ${h[1]}`);
        help.set(h[1]!, h[2]!);
      } else if (t) {
        if (type.has(t[1]!)) errors.push(`line ${i + 1}: duplicate TYPE for ${t[1]}`);
        type.set(t[1]!, t[2]!);
      } else if (line.startsWith('# HELP') || line.startsWith('# TYPE')) {
        errors.push(`line ${i + 1}: malformed comment: ${line}`);
      }
      continue;
    }
    const m = SAMPLE_LINE.exec(line);
    if (!m) {
      errors.push(`line ${i + 1}: not a valid sample: ${line}`);
      continue;
    }
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(LABEL_PAIR)) {
      if (pair[1]! in labels) errors.push(`line ${i + 1}: duplicate label ${pair[1]}`);
      labels[pair[1]!] = unescapeLabelValue(pair[2]!);
    }
    const family = familyOf(m[1]!, type);
    // TYPE must precede the family's samples in the text format.
    if (!type.has(family)) errors.push(`line ${i + 1}: sample ${m[1]} before (or without) TYPE`);
    if (!help.has(family)) errors.push(`line ${i + 1}: sample ${m[1]} without HELP`);
    samples.push({ name: m[1]!, labels, value: parseValue(m[3]!) });
  }

  for (const [name, t] of type) {
    if (t === 'counter' && !name.endsWith('_total')) errors.push(`counter ${name} must end with _total`);
    if (t === 'histogram') {
      const buckets = samples.filter((s) => s.name === `${name}_bucket`);
      // A labelled histogram with no children yet has no samples at all, which is valid.
      const parts = samples.filter((s) => s.name === `${name}_sum` || s.name === `${name}_count`);
      if (buckets.length === 0 && parts.length === 0) continue;
      if (!buckets.some((s) => s.labels['le'] === '+Inf'))
        errors.push(`histogram ${name} has no +Inf bucket`);
      if (!samples.some((s) => s.name === `${name}_sum`)) errors.push(`histogram ${name} has no _sum`);
      if (!samples.some((s) => s.name === `${name}_count`)) errors.push(`histogram ${name} has no _count`);
    }
  }
  return { exposition: { help, type, samples }, errors };
}

/** The single sample with this name whose labels include `labels`; throws when absent or ambiguous. */
export function sampleValue(
  exposition: Exposition,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  const found = exposition.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length !== 1)
    throw new Error(`expected 1 sample ${name} ${JSON.stringify(labels)}, got ${found.length}`);
  return found[0]!.value;
}
