// One driver for both targets (as VS Code does): a "player" is a page — a browser context on a
// peer's URL, or an Electron app whose embedded node joins the test cluster. Specs only talk
// to players through data-testids, so they run unchanged against both.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test as base, expect, _electron, type Page, type TestInfo } from '@playwright/test';
import { ROOT, runCli } from '../support/peer.ts';
import { freePorts } from '../support/ports.ts';
import { findElectronRuntime } from '../../scripts/electron-runtime.mjs';
import type { ClusterInfo } from './global-setup.ts';

export type Target = 'browser' | 'electron';
export interface E2EOptions {
  target: Target;
}

export interface Player {
  label: string;
  page: Page;
  /** The id of the node this player's UI talks to first (a peer, or the desktop app's own node). */
  nodeId: string;
  /** Console messages that report a Content-Security-Policy violation. */
  cspViolations: string[];
  close(): Promise<void>;
}

export interface OpenOptions {
  /** The cluster to play in (default: the global one). */
  cluster?: ClusterInfo;
  /** Which peer's UI a browser player opens (Electron players use their own embedded node). */
  peer?: number;
}

interface Fixtures {
  cluster: ClusterInfo;
  openPlayer: (label: string, opts?: OpenOptions) => Promise<Player>;
}

const electronRuntime = findElectronRuntime();
let electronSkipPrinted = false;

export function globalCluster(): ClusterInfo {
  const raw = process.env.TRINCA_E2E_CLUSTER;
  if (!raw) throw new Error('TRINCA_E2E_CLUSTER is not set: run through playwright.config.ts (global setup)');
  return JSON.parse(raw) as ClusterInfo;
}

function watchCsp(page: Page, into: string[]): void {
  page.on('console', (msg) => {
    const text = msg.text();
    if (/Content Security Policy|Refused to (load|execute|apply|connect|evaluate)/i.test(text)) into.push(text);
  });
  page.on('pageerror', (err) => {
    if (/Content Security Policy|EvalError/i.test(err.message)) into.push(err.message);
  });
}

async function inviteFor(cluster: ClusterInfo): Promise<string> {
  const r = await runCli(['invite', '--data', cluster.peers[0].dataDir, '--secret-file', cluster.secretFile]);
  if (r.code !== 0) throw new Error(`trinca invite failed: ${r.stderr}`);
  return r.stdout.trim();
}

export const test = base.extend<Fixtures & E2EOptions>({
  target: ['browser', { option: true }],

  // eslint-disable-next-line no-empty-pattern
  cluster: async ({}, use) => {
    await use(globalCluster());
  },

  openPlayer: async ({ target, browser, cluster }, use, testInfo) => {
    if (target === 'electron' && !electronRuntime.ok) {
      if (!electronSkipPrinted) {
        process.stdout.write(`[electron] skipped: ${electronRuntime.reason}\n`);
        electronSkipPrinted = true;
      }
      testInfo.skip(true, `Electron project: ${electronRuntime.reason}`);
    }
    const players: Player[] = [];
    const open = async (label: string, opts: OpenOptions = {}): Promise<Player> => {
      const c = opts.cluster ?? cluster;
      const cspViolations: string[] = [];
      let player: Player;
      if (target === 'browser') {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
        const page = await context.newPage();
        watchCsp(page, cspViolations);
        await page.goto(c.peers[opts.peer ?? 0].url + '/');
        player = { label, page, nodeId: c.peers[opts.peer ?? 0].id, cspViolations, close: () => context.close() };
      } else {
        if (!electronRuntime.ok) throw new Error(electronRuntime.reason);
        const userData = fs.mkdtempSync(path.join(os.tmpdir(), `trinca-electron-${label}-`));
        const [httpPort, mqttPort] = await freePorts(2);
        const nodeId = `app-${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
        const app = await _electron.launch({
          executablePath: electronRuntime.path,
          args: [ROOT],
          cwd: ROOT,
          env: {
            ...(process.env as Record<string, string>),
            TRINCA_USER_DATA: userData,
            TRINCA_NODE_ID: nodeId,
            TRINCA_HOST: '127.0.0.1',
            TRINCA_HTTP_PORT: String(httpPort),
            TRINCA_MQTT_PORT: String(mqttPort),
            TRINCA_INVITE: await inviteFor(c),
            TRINCA_LOG_LEVEL: 'warn',
          },
        });
        const page = await app.firstWindow();
        watchCsp(page, cspViolations);
        await page.setViewportSize({ width: 1280, height: 800 });
        player = {
          label,
          page,
          nodeId,
          cspViolations,
          close: async () => {
            await app.close();
            fs.rmSync(userData, { recursive: true, force: true });
          },
        };
      }
      players.push(player);
      return player;
    };
    await use(open);
    for (const p of players) {
      expect(p.cspViolations, `${p.label}: CSP violations`).toEqual([]);
      await p.close().catch(() => undefined);
    }
  },
});

export { expect };

/** Saves a screenshot of the current screen as test-results/screens/<name>.png (electron-<name>.png for Electron). */
export async function shot(page: Page, name: string, testInfo: TestInfo): Promise<void> {
  const prefix = testInfo.project.name === 'chromium' ? '' : `${testInfo.project.name}-`;
  const file = path.join(ROOT, 'test-results/screens', `${prefix}${name}.png`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: false });
  await testInfo.attach(name, { path: file, contentType: 'image/png' });
}
