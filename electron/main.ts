// Electron main process: a thin shell over the node. It starts the embedded peer
// (server/node.ts `startNode`, unchanged) with its data under userData, holds a single-instance
// lock, shows the node's own UI in a locked-down window, and stops the node cleanly on quit.
//
// Security (Electron checklist): context isolation, sandbox, no node integration, a strict CSP
// header, navigation / new windows / webviews / permission requests denied, every IPC sender
// checked (main window, top frame, node origin) and every IPC argument validated. Packaged
// builds have no DevTools and no reload menu (menu.ts); a failed load or a crashed renderer
// asks to reload (recovery.ts).
import { app, BrowserWindow, dialog, ipcMain, Menu, session, shell, type IpcMainInvokeEvent } from 'electron';
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NodeHost } from './node-host.ts';
import { IPC, MAX_INVITE_LENGTH, type DesktopNodeInfo, type DesktopResult } from './api.ts';
import { LaunchOrigin, ORIGIN_ARG, UI_SECURITY_HEADERS, isAllowedNavigation, isAllowedPermission, isTrustedSender } from './security.ts';
import { menuTemplate } from './menu.ts';
import { loadFailure, rendererGone, type RecoveryPrompt } from './recovery.ts';
import { loadIdentity, logsDirOf, saveIdentity } from './desktop-files.ts';
import { showSplash } from './splash.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

// Tests and portable installs may put the data elsewhere (before the lock: it is per userData).
if (process.env.TRINCA_USER_DATA) app.setPath('userData', path.resolve(process.env.TRINCA_USER_DATA));

app.enableSandbox();

let mainWindow: BrowserWindow | null = null;
/** The node UI's origin, fixed for this launch: the only one trusted for IPC and navigation. */
const launchOrigin = new LaunchOrigin();
let nodeOrigin: string | null = null;
let host: NodeHost | null = null;
let quitState: 'running' | 'stopping' | 'stopped' = 'running';

function uiDir(): string | undefined {
  const dir = path.join(app.getAppPath(), 'renderer', 'dist');
  return fs.existsSync(path.join(dir, 'index.html')) ? dir : undefined;
}

function fail(message: string): never {
  dialog.showErrorBox('Trinca', message);
  process.stderr.write(`trinca: ${message}\n`);
  app.exit(1);
  throw new Error(message);
}

function createWindow(url: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    title: 'Trinca',
    backgroundColor: '#10141f',
    autoHideMenuBar: true,
    webPreferences: {
      preload: path.join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      devTools: !app.isPackaged,
      // Read by the preload: it exposes its API only on this origin.
      additionalArguments: [`${ORIGIN_ARG}${nodeOrigin ?? ''}`],
    },
  });
  win.once('ready-to-show', () => win.show());
  watchForFailures(win, url);
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadURL(url);
  return win;
}

/** A failed load or a dead renderer gets a dialog offering to reload (or quit) instead of a blank window. */
function watchForFailures(win: BrowserWindow, url: string): void {
  let asking = false;
  const offer = (prompt: RecoveryPrompt | null) => {
    if (!prompt || asking || win.isDestroyed()) return;
    asking = true;
    process.stderr.write(`trinca: ${prompt.message} ${prompt.detail}\n`);
    if (!win.isVisible()) win.show();
    void dialog.showMessageBox(win, { type: 'error', title: prompt.title, message: prompt.message, detail: prompt.detail, buttons: prompt.buttons, defaultId: 0, cancelId: 1, noLink: true }).then(({ response }) => {
      asking = false;
      if (win.isDestroyed()) return;
      if (response === 0) void win.loadURL(host?.running ? host.uiUrl : url);
      else app.quit();
    });
  };
  win.webContents.on('did-fail-load', (_e, code, description, failedUrl, isMainFrame) => offer(loadFailure(code, description, failedUrl, isMainFrame)));
  win.webContents.on('render-process-gone', (_e, details) => offer(rendererGone(details.reason, details.exitCode)));
}

function lockDownSession(): void {
  const ses = session.defaultSession;
  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    if (isAllowedNavigation(details.url, nodeOrigin)) {
      for (const [k, v] of Object.entries(UI_SECURITY_HEADERS)) headers[k] = [v];
    }
    callback({ responseHeaders: headers });
  });
  ses.setPermissionRequestHandler((wc, permission, callback) => callback(isAllowedPermission(permission, wc.getURL(), nodeOrigin)));
  ses.setPermissionCheckHandler((_wc, permission, requestingOrigin) => isAllowedPermission(permission, requestingOrigin, nodeOrigin));
}

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url, nodeOrigin)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAllowedNavigation(url, nodeOrigin)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

function trusted(e: IpcMainInvokeEvent): boolean {
  const frame = e.senderFrame;
  return isTrustedSender(
    { frameUrl: frame?.url ?? null, isMainFrame: !!frame && frame === e.sender.mainFrame, fromMainWindow: !!mainWindow && e.sender === mainWindow.webContents },
    nodeOrigin,
  );
}

function handle<A extends unknown[], R>(channel: string, fn: (...args: A) => Promise<R>): void {
  ipcMain.handle(channel, (e, ...args: unknown[]) => {
    if (!trusted(e)) throw new Error('refused: untrusted sender');
    return fn(...(args as A));
  });
}

function registerIpc(): void {
  handle(IPC.nodeInfo, async (): Promise<DesktopNodeInfo> => ({ ...host!.info(), appVersion: app.getVersion() }));
  handle(IPC.createInvite, async (): Promise<DesktopResult<string>> => {
    try {
      return { ok: true, value: await host!.createInvite() };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  });
  handle(IPC.joinCluster, async (code: unknown): Promise<DesktopResult<null>> => {
    if (typeof code !== 'string' || code.length === 0 || code.length > MAX_INVITE_LENGTH) return { ok: false, error: 'invalid invite code' };
    try {
      await host!.join(code);
      nodeOrigin = launchOrigin.set(host!.uiUrl);
      void mainWindow?.loadURL(host!.uiUrl);
      return { ok: true, value: null };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  });
  handle(IPC.openDataFolder, async (): Promise<void> => {
    await shell.openPath(host!.dataDir);
  });
  registerDesktopFilesIpc();
}

/** The player's identity and the logs, kept under userData (electron/desktop-files.ts). */
function registerDesktopFilesIpc(): void {
  const userData = app.getPath('userData');
  handle(IPC.loadIdentity, () => loadIdentity(userData));
  handle(IPC.saveIdentity, async (id: unknown): Promise<DesktopResult<null>> =>
    (await saveIdentity(userData, id)) ? { ok: true, value: null } : { ok: false, error: 'invalid identity' },
  );
  handle(IPC.openLogsFolder, async (): Promise<void> => {
    fs.mkdirSync(logsDirOf(userData), { recursive: true });
    await shell.openPath(logsDirOf(userData));
  });
}

async function boot(): Promise<void> {
  const template = menuTemplate(process.platform, app.isPackaged);
  if (template) Menu.setApplicationMenu(template.length ? Menu.buildFromTemplate(template) : null);
  lockDownSession();
  registerIpc();
  host = new NodeHost({ userData: app.getPath('userData'), uiDir: uiDir() });
  const splash = showSplash();
  try {
    await host.start();
  } catch (err) {
    splash.destroy();
    fail(`the embedded node could not start: ${(err as Error).message}`);
  }
  if (!uiDir()) process.stderr.write('trinca: renderer/dist is missing (npm run build:ui); the window will show the node\'s 404\n');
  nodeOrigin = launchOrigin.set(host.uiUrl);
  mainWindow = createWindow(host.uiUrl);
  mainWindow.once('ready-to-show', () => splash.destroy());
  mainWindow.once('closed', () => !splash.isDestroyed() && splash.destroy());
}

async function stopNode(): Promise<void> {
  if (quitState !== 'running') return;
  quitState = 'stopping';
  const force = setTimeout(() => app.exit(1), 8000);
  try {
    await host?.stop();
  } catch (err) {
    process.stderr.write(`trinca: error while stopping the node: ${(err as Error).message}\n`);
  } finally {
    clearTimeout(force);
    quitState = 'stopped';
  }
}

if (!app.requestSingleInstanceLock()) {
  // Another Trinca already runs with this data: it gets focused (second-instance) and we leave.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.whenReady().then(boot, (err: Error) => fail(err.message));
  // The node is a peer of the cluster: closing the window stops it (on every platform).
  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', (event) => {
    if (quitState === 'stopped') return;
    event.preventDefault();
    if (quitState === 'running') void stopNode().then(() => app.quit());
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => app.quit());
}
