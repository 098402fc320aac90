#!/usr/bin/env node
// `npm start`: builds and launches the desktop app — or, where no Electron runtime is
// installed (its binary comes from GitHub at install time), says so in one line and how to
// play in the browser instead, and exits non-zero. `--no-build` skips the build.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectronRuntime } from './electron-runtime.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runtime = findElectronRuntime();
if (!runtime.ok) {
  process.stderr.write(
    `trinca: cannot start the desktop app: ${runtime.reason}. Play in the browser instead: run "npm run cluster", then open http://127.0.0.1:8081/\n`,
  );
  process.exit(1);
}

if (!process.argv.includes('--no-build')) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const built = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}

const child = spawn(runtime.path, [root], { cwd: root, stdio: 'inherit', env: process.env });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
