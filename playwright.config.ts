// End-to-end tests: real node processes (started through the CLI by the global setup) serving
// the built UI, driven by Debian's Chromium (docs/stack.md, trap 10) — and the same specs against the
// Electron app through Playwright's `_electron` where an Electron runtime is installed.
import { defineConfig } from '@playwright/test';
import type { E2EOptions } from './test/e2e/fixtures.ts';

export const CHROMIUM_LAUNCH = {
  executablePath: process.env.TRINCA_CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

export default defineConfig<E2EOptions>({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results/e2e',
  globalSetup: './test/e2e/global-setup.ts',
  timeout: 180_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    actionTimeout: 15_000,
    launchOptions: CHROMIUM_LAUNCH,
  },
  projects: [
    { name: 'chromium', use: { browserName: 'chromium', target: 'browser' } },
    { name: 'electron', use: { target: 'electron' } },
  ],
});
