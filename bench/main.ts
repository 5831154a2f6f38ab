/**
 * `npm run bench -- <name> [args]`: runs one benchmark, writes bench/results/<name>.json and its section
 * of BENCHMARKS.md. Each benchmark module exports `run(args)`.
 */
const benches: Record<string, () => Promise<{ run(args: string[]): Promise<void> }>> = {};

export function register(name: string, load: () => Promise<{ run(args: string[]): Promise<void> }>): void {
  benches[name] = load;
}

async function main(): Promise<void> {
  (await import('./registry.js')).registerAll(register);
  const [name, ...args] = process.argv.slice(2);
  const load = name === undefined ? undefined : benches[name];
  if (load === undefined) {
    console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [args]`);
    process.exit(2);
  }
  await (await load()).run(args);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
