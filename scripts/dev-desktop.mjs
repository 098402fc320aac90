#!/usr/bin/env node
// `npm run dev:desktop`: the desktop development loop — electron-vite builds the main process
// and preload, starts Electron on them, and rebuilds and restarts on every change (--watch);
// the window shows the embedded node's UI (renderer/dist, built first when missing or stale;
// `npm run dev:ui` gives the UI its own hot-reloading loop in a browser). Where no Electron
// runtime is installed it skips with one line saying why (exit 0: nothing to run here).
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { findElectronRuntime } from './electron-runtime.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runtime = findElectronRuntime();
if (!runtime.ok) {
  process.stdout.write(`trinca: dev:desktop skipped: ${runtime.reason}. For the UI loop in a browser: npm run dev:ui\n`);
  process.exit(0);
}

const ui = spawnSync(process.execPath, [path.join(root, 'scripts/ensure-ui.mjs')], { cwd: root, stdio: 'inherit' });
if (ui.status !== 0) process.exit(ui.status ?? 1);

const cli = createRequire(import.meta.url).resolve('electron-vite/bin/electron-vite.js');
const child = spawn(process.execPath, [cli, 'dev', '--watch', '--ignoreConfigWarning', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  // electron-vite starts this binary instead of looking in node_modules/electron (which has none here).
  env: { ...process.env, ELECTRON_EXEC_PATH: runtime.path },
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
