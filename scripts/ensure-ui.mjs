#!/usr/bin/env node
// Builds the player UI (renderer/dist) when it is missing or older than its sources, so
// `npm run cluster` on a fresh clone serves the game at http://127.0.0.1:8081/.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = path.join(root, 'renderer/dist/index.html');

function newest(p) {
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let m = 0;
  for (const e of fs.readdirSync(p)) if (e !== 'dist' && e !== 'node_modules') m = Math.max(m, newest(path.join(p, e)));
  return m;
}

const builtAt = fs.existsSync(built) ? fs.statSync(built).mtimeMs : 0;
const sourcesAt = Math.max(...['renderer', 'protocol', 'vite.config.ts', 'package-lock.json'].map((p) => newest(path.join(root, p))));
if (builtAt >= sourcesAt) process.exit(0);
process.stdout.write(builtAt ? 'trinca: the player UI is out of date; rebuilding renderer/dist…\n' : 'trinca: building the player UI (renderer/dist)…\n');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const r = spawnSync(npm, ['run', '--silent', 'build:ui'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (r.status !== 0) {
  process.stderr.write('trinca: building the UI failed (see above); the nodes will run without it\n');
}
