/**
 * The one validation style of every layer's config: collect every problem as a sentence naming its field
 * (`section.field must be …, got …`), so an operator sees all of them at once; the boundary that takes the
 * config (KvStore.open, the agent) refuses it with the whole list.
 */
export class ConfigProblems {
  readonly list: string[] = [];
  readonly #prefix: string;

  constructor(prefix = '') {
    this.#prefix = prefix;
  }

  /** An integer in [min, max]. */
  int(field: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max))
      this.add(`${field} must be an integer in [${min}, ${max}], got ${String(v)}`);
  }

  bool(field: string, v: unknown): void {
    if (typeof v !== 'boolean') this.add(`${field} must be true or false, got ${String(v)}`);
  }

  oneOf(field: string, v: unknown, options: readonly string[]): void {
    if (!options.includes(v as string))
      this.add(`${field} must be ${options.join(' or ')}, got ${String(v)}`);
  }

  /** A rule `ok` must hold; `problem` names the field(s) itself. */
  check(ok: boolean, problem: string): void {
    if (!ok) this.add(problem);
  }

  add(problem: string): void {
    this.list.push(`${this.#prefix}${problem}`);
  }
}
