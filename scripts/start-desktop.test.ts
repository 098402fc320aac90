// `npm start` without an Electron runtime: one clear line, the browser alternative, non-zero exit.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../test/support/peer.ts';
import { findElectronRuntime } from './electron-runtime.mjs';

const run = (env: Record<string, string | undefined>) => {
  const e = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete e[k];
  return spawnSync(process.execPath, [path.join(ROOT, 'scripts/start-desktop.mjs'), '--no-build'], { env: e, encoding: 'utf8', timeout: 20_000 });
};

describe('npm start (scripts/start-desktop.mjs)', () => {
  it.skipIf(findElectronRuntime({}).ok)('says in one line that there is no Electron runtime and how to play in the browser', () => {
    const r = run({ ELECTRON_OVERRIDE_DIST_PATH: undefined });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/no Electron runtime/);
    expect(lines[0]).toContain('npm run cluster');
    expect(lines[0]).toContain('http://127.0.0.1:8081/');
  });

  it('names a wrong ELECTRON_OVERRIDE_DIST_PATH', () => {
    const r = run({ ELECTRON_OVERRIDE_DIST_PATH: '/nonexistent/electron-dist' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('/nonexistent/electron-dist');
  });
});

describe('npm run dev:desktop (scripts/dev-desktop.mjs)', () => {
  it.skipIf(findElectronRuntime({}).ok)('skips in one line, exit 0, where there is no Electron runtime', () => {
    const e: NodeJS.ProcessEnv = { ...process.env };
    delete e.ELECTRON_OVERRIDE_DIST_PATH;
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/dev-desktop.mjs')], { env: e, encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^trinca: dev:desktop skipped: no Electron runtime is installed/);
  });
});
