import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each integration file runs a cluster of real processes; two at a time fit 2 cores.
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['server/**/*.test.ts', 'protocol/**/*.test.ts', 'test/**/*.test.ts', 'electron/**/*.test.ts', 'scripts/**/*.test.ts'],
          environment: 'node',
          // Integration suites start real processes on real ports; keep files isolated.
          pool: 'forks',
        },
      },
      {
        // The player UI: stores and components in a DOM (happy-dom), with the Vue plugin.
        extends: true,
        plugins: [vue()],
        define: {
          __VUE_OPTIONS_API__: 'false',
          __VUE_PROD_DEVTOOLS__: 'false',
          __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
          __VUE_I18N_FULL_INSTALL__: 'false',
          __VUE_I18N_LEGACY_API__: 'false',
          __INTLIFY_PROD_DEVTOOLS__: 'false',
        },
        test: {
          name: 'renderer',
          include: ['renderer/src/**/*.test.ts'],
          environment: 'happy-dom',
          testTimeout: 10_000,
        },
      },
    ],
  },
});
