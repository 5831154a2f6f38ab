type Loader = () => Promise<{ run(args: string[]): Promise<void> }>;

/** Every benchmark by name; add a line per benchmark module. */
export function registerAll(register: (name: string, load: Loader) => void): void {
  register('wire', () => import('./wire.js'));
  register('transport', () => import('./transport.js'));
  register('sim', () => import('./sim.js'));
  register('membership', () => import('./membership.js'));
  register('storage', () => import('./storage.js'));
  register('kv', () => import('./kv.js'));
  register('rumor', () => import('./rumor.js'));
  register('antientropy', () => import('./antientropy.js'));
  register('namespaces', () => import('./namespaces.js'));
}
