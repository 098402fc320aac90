import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['server/**/*.test.ts', 'protocol/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration suites start real processes on real ports; keep files isolated.
    pool: 'forks',
    // Each integration file runs a cluster of real processes; two at a time fit 2 cores.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
