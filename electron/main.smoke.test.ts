// The built Electron main process (out/main/index.js) run under plain Node against a fake
// `electron` module: no Electron runtime can be installed here, but everything main does
// around startNode — window options, CSP, navigation / window / permission / IPC rules,
// invites, clean stop on quit — is real and checked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { build } from 'electron-vite';
import { ROOT } from '../test/support/peer.ts';
import { freePorts } from '../test/support/ports.ts';
import { encodeInvite } from '../server/cluster/invite.ts';
import { versionProblem } from '../protocol/version.ts';

type Line = { event?: string; reply?: number; [k: string]: unknown };

let proc: ChildProcess;
const lines: Line[] = [];
const waiters: { pred: (l: Line) => boolean; resolve: (l: Line) => void }[] = [];
let seq = 0;
let tmp: string;
let url = '';

function next(pred: (l: Line) => boolean, timeoutMs = 20_000): Promise<Line> {
  const seen = lines.find(pred);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timed out waiting for main')), timeoutMs);
    waiters.push({
      pred,
      resolve: (l) => {
        clearTimeout(t);
        resolve(l);
      },
    });
  });
}

async function send(cmd: Record<string, unknown>): Promise<Line> {
  const id = ++seq;
  const reply = next((l) => l.reply === id);
  proc.stdin!.write(JSON.stringify({ ...cmd, id }) + '\n');
  return reply;
}

beforeAll(async () => {
  await build({ configFile: path.join(ROOT, 'electron.vite.config.ts'), root: ROOT, logLevel: 'warn', ignoreConfigWarning: true });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trinca-main-'));
  // A stand-in UI so the test does not depend on `npm run build:ui`.
  fs.mkdirSync(path.join(tmp, 'app/renderer/dist'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'app/renderer/dist/index.html'), '<!doctype html><title>Trinca</title>');
  const [httpPort, mqttPort] = await freePorts(2);
  proc = spawn(process.execPath, ['--import', path.join(ROOT, 'electron/testing/register-fake-electron.mjs'), path.join(ROOT, 'out/main/index.js')], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      FAKE_APP_PATH: path.join(tmp, 'app'),
      TRINCA_USER_DATA: path.join(tmp, 'userData'),
      TRINCA_HOST: '127.0.0.1',
      TRINCA_HTTP_PORT: String(httpPort),
      TRINCA_MQTT_PORT: String(mqttPort),
      TRINCA_NODE_ID: 'desk1',
      TRINCA_LOG_LEVEL: 'warn',
    },
  });
  readline.createInterface({ input: proc.stdout! }).on('line', (text) => {
    let l: Line;
    try {
      l = JSON.parse(text) as Line;
    } catch {
      return;
    }
    lines.push(l);
    for (const w of [...waiters]) {
      if (!w.pred(l)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(l);
    }
  });
  // The splash (a data: page) comes first; the main window loads the node's UI.
  url = (await next((l) => l.event === 'loadURL' && String(l.url).startsWith('http'))).url as string;
}, 60_000);

afterAll(async () => {
  if (proc && proc.exitCode === null) proc.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('Electron main process (under a fake electron)', () => {
  it('enables the sandbox and opens a locked-down window on its own node', async () => {
    expect(lines.some((l) => l.event === 'enableSandbox')).toBe(true);
    const splash = lines.find((l) => l.event === 'window')!.options as { webPreferences: Record<string, unknown> };
    expect(splash.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false });
    expect(splash.webPreferences.preload).toBeUndefined();
    await next((l) => l.event === 'destroy'); // gone once the main window shows
    const win = lines.filter((l) => l.event === 'window')[1].options as { minWidth: number; minHeight: number; webPreferences: Record<string, unknown> };
    expect(win.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    expect(win.minWidth).toBe(1024);
    expect(win.minHeight).toBe(700);
    expect(String(win.webPreferences.preload)).toMatch(/out[\\/]preload[\\/]index\.cjs$/);
    expect(fs.existsSync(String(win.webPreferences.preload))).toBe(true);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>Trinca</title>');
    const health = (await (await fetch(new URL('/health', url))).json()) as { id: string };
    expect(health.id).toBe('desk1');
  });

  it('adds the strict CSP header to the node’s pages only', async () => {
    const own = (await send({ cmd: 'headers', url })).value as Record<string, string[]>;
    expect(own['Content-Security-Policy'][0]).toContain("script-src 'self'");
    expect(own['Content-Security-Policy'][0]).toContain("frame-ancestors 'none'");
    const other = (await send({ cmd: 'headers', url: 'https://example.com/' })).value as Record<string, string[]>;
    expect(other['Content-Security-Policy']).toBeUndefined();
  });

  it('denies navigation away, new windows, webviews and permissions', async () => {
    expect((await send({ cmd: 'navigate', url: 'https://example.com/' })).value).toBe(true);
    expect((await send({ cmd: 'navigate', url: new URL('/index.html', url).href })).value).toBe(false);
    expect((await send({ cmd: 'open', url: 'https://example.com/' })).value).toEqual({ action: 'deny' });
    expect((await send({ cmd: 'webview' })).value).toBe(true);
    expect(await send({ cmd: 'permission', permission: 'media', url })).toMatchObject({ value: false, check: false });
    expect(await send({ cmd: 'permission', permission: 'clipboard-sanitized-write', url })).toMatchObject({ value: true, check: true });
    expect(await send({ cmd: 'permission', permission: 'clipboard-sanitized-write', url: 'https://example.com/' })).toMatchObject({ value: false });
  });

  it('serves IPC to its own window only, and validates arguments', async () => {
    const info = await send({ cmd: 'invoke', channel: 'trinca:node-info', trusted: true });
    expect(info).toMatchObject({ ok: true, value: { id: 'desk1', appVersion: '0.0.0-test' } });
    expect((info.value as { clusterId: string }).clusterId).toMatch(/^[0-9a-f-]{36}$/);
    const refused = await send({ cmd: 'invoke', channel: 'trinca:node-info', trusted: false });
    expect(refused).toMatchObject({ ok: false, error: expect.stringMatching(/untrusted/) });
    const invite = await send({ cmd: 'invoke', channel: 'trinca:create-invite', trusted: true });
    expect(invite).toMatchObject({ ok: true, value: { ok: true, value: expect.stringMatching(/^trinca1\./) } });
    const bad = await send({ cmd: 'invoke', channel: 'trinca:join-cluster', trusted: true, args: [{ not: 'a string' }] });
    expect(bad).toMatchObject({ ok: true, value: { ok: false } });
    const damaged = await send({ cmd: 'invoke', channel: 'trinca:join-cluster', trusted: true, args: ['trinca1.garbage'] });
    expect(damaged).toMatchObject({ ok: true, value: { ok: false, error: expect.stringMatching(/damaged/) } });
    // An invite from a cluster of another protocol major version: refused before the node stops,
    // with the message the first-run screen shows.
    const newer = encodeInvite({ clusterId: 'c', secret: 'A'.repeat(43), peers: ['http://127.0.0.1:9/'], version: '2.0.0' });
    const refusedJoin = await send({ cmd: 'invoke', channel: 'trinca:join-cluster', trusted: true, args: [newer] });
    expect(refusedJoin).toMatchObject({ ok: true, value: { ok: false, error: versionProblem('2.0.0', 'the cluster of this invite') } });
    expect((await fetch(new URL('/health', url))).status).toBe(200);
  });

  it('a failed load or a crashed renderer asks to reload, and Reload loads the node again', async () => {
    const before = lines.filter((l) => l.event === 'loadURL').length;
    await send({ cmd: 'fail-load', code: -102, description: 'ERR_CONNECTION_REFUSED', url });
    const box = await next((l) => l.event === 'messageBox');
    expect(box).toMatchObject({ message: 'The game screen could not be loaded.', buttons: ['Reload', 'Quit'] });
    await next((l) => l.event === 'loadURL' && lines.filter((x) => x.event === 'loadURL').length > before);
    await send({ cmd: 'renderer-gone', reason: 'crashed', exitCode: 139 });
    await next((l) => l.event === 'messageBox' && l.message === 'The game screen stopped unexpectedly.');
    await next(() => lines.filter((x) => x.event === 'loadURL').length > before + 1);
    expect(lines.filter((l) => l.event === 'loadURL').at(-1)!.url).toBe(url);
  });

  it('keeps Electron\'s default menu (reload, DevTools) when not packaged', () => {
    expect(lines.some((l) => l.event === 'menu')).toBe(false);
    const win = lines.find((l) => l.event === 'window' && (l.options as { webPreferences?: { preload?: unknown } }).webPreferences?.preload)!.options as { webPreferences: Record<string, unknown> };
    expect(win.webPreferences.devTools).toBe(true);
  });

  it('keeps the player identity under userData, for its own window only, and logs to a file there', async () => {
    expect(await send({ cmd: 'invoke', channel: 'trinca:load-identity', trusted: true })).toMatchObject({ ok: true, value: null });
    const id = { playerId: '0b8f2c9e-1111-4222-8333-944445555666', token: 'b'.repeat(43), name: 'Ana' };
    expect(await send({ cmd: 'invoke', channel: 'trinca:save-identity', trusted: true, args: [id] })).toMatchObject({ ok: true, value: { ok: true } });
    expect(await send({ cmd: 'invoke', channel: 'trinca:save-identity', trusted: true, args: [{ playerId: '../x', token: 'y' }] })).toMatchObject({ ok: true, value: { ok: false } });
    expect(await send({ cmd: 'invoke', channel: 'trinca:load-identity', trusted: true })).toMatchObject({ ok: true, value: id });
    expect(await send({ cmd: 'invoke', channel: 'trinca:load-identity', trusted: false })).toMatchObject({ ok: false, error: expect.stringMatching(/untrusted/) });
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'userData/identity.json'), 'utf8'))).toEqual(id);
    await expect.poll(() => fs.existsSync(path.join(tmp, 'userData/logs/trinca.log'))).toBe(true);
  });

  it('stops the node cleanly on quit', async () => {
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.stdin!.write(JSON.stringify({ cmd: 'quit' }) + '\n');
    expect(await exited).toBe(0);
    expect(lines.some((l) => l.event === 'quit')).toBe(true);
    await expect(fetch(url)).rejects.toThrow();
  });
});

describe('Electron main process, packaged (app.isPackaged)', () => {
  const plines: Line[] = [];
  let pkg: ChildProcess;

  beforeAll(async () => {
    const [httpPort, mqttPort] = await freePorts(2);
    pkg = spawn(process.execPath, ['--import', path.join(ROOT, 'electron/testing/register-fake-electron.mjs'), path.join(ROOT, 'out/main/index.js')], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, FAKE_PACKAGED: '1', FAKE_APP_PATH: path.join(tmp, 'app'), TRINCA_USER_DATA: path.join(tmp, 'userData-packaged'), TRINCA_HOST: '127.0.0.1', TRINCA_HTTP_PORT: String(httpPort), TRINCA_MQTT_PORT: String(mqttPort), TRINCA_NODE_ID: 'pkg1', TRINCA_LOG_LEVEL: 'warn' },
    });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('packaged main did not load its window')), 30_000);
      readline.createInterface({ input: pkg.stdout! }).on('line', (text) => {
        try {
          plines.push(JSON.parse(text) as Line);
        } catch {
          return;
        }
        // The main window's load (the splash loads a data: URL first).
        if (plines.at(-1)!.event === 'loadURL' && String(plines.at(-1)!.url).startsWith('http')) {
          clearTimeout(t);
          resolve();
        }
      });
    });
  }, 60_000);

  afterAll(async () => {
    if (pkg && pkg.exitCode === null) {
      const exited = new Promise((r) => pkg.once('exit', r));
      pkg.stdin!.write(JSON.stringify({ cmd: 'quit' }) + '\n');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (pkg.exitCode === null) pkg.kill('SIGKILL');
    }
  });

  it('removes the menu (reload, DevTools) and turns DevTools off', () => {
    const menu = plines.find((l) => l.event === 'menu');
    expect(menu, 'Menu.setApplicationMenu was not called').toBeDefined();
    if (process.platform === 'darwin') expect(JSON.stringify(menu!.template)).not.toMatch(/reload|toggleDevTools|viewMenu/i);
    else expect(menu!.template).toBeNull();
    const win = plines.find((l) => l.event === 'window' && (l.options as { webPreferences?: { preload?: unknown } }).webPreferences?.preload)!.options as { webPreferences: Record<string, unknown> };
    expect(win.webPreferences.devTools).toBe(false);
  });
});
