// Finds an installed Electron runtime WITHOUT triggering a download: `require('electron')`
// runs electron's installer (which fetches from GitHub) when the binary is missing, so the
// lookup that package does is repeated here read-only (docs/stack.md, trap 1).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const PLATFORM_EXE = { darwin: 'Electron.app/Contents/MacOS/Electron', win32: 'electron.exe' };

/** @returns {{ ok: true, path: string } | { ok: false, reason: string }} */
export function findElectronRuntime(env = process.env) {
  let pkgDir;
  try {
    pkgDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { ok: false, reason: 'the electron package is not installed (npm install)' };
  }
  const pathFile = path.join(pkgDir, 'path.txt');
  const exe = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : (PLATFORM_EXE[process.platform] ?? 'electron');
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override ? path.join(override, exe) : path.join(pkgDir, 'dist', exe);
  if (fs.existsSync(candidate)) return { ok: true, path: candidate };
  return {
    ok: false,
    reason: override
      ? `ELECTRON_OVERRIDE_DIST_PATH=${override} holds no Electron runtime (${candidate} is missing)`
      : 'no Electron runtime is installed (its binary is downloaded from GitHub at install time, which this machine cannot reach; set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron of the version in package.json)',
  };
}
