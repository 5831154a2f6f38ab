import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real-socket tests bind 127.0.0.1 ports; forks keep them isolated per file.
    pool: 'forks',
  },
});
