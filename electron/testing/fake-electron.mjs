// A fake `electron` for smoke-testing the main process under plain Node. It records what main
// does (window options, URLs, handlers) as JSON lines on stdout, and takes JSON-line commands on
// stdin to exercise them (IPC from trusted/untrusted senders, navigation, permissions, quit).
import { EventEmitter } from 'node:events';
import readline from 'node:readline';

const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const appEvents = new EventEmitter();
const ipcHandlers = new Map();
const windows = [];
let userData = process.env.FAKE_USER_DATA ?? '/tmp/trinca-fake-electron';
let headersListener = null;
let permissionRequest = null;
let permissionCheck = null;

class WebContents extends EventEmitter {
  constructor() {
    super();
    this.mainFrame = { url: '' };
    this.openHandler = null;
  }
  setWindowOpenHandler(fn) {
    this.openHandler = fn;
  }
  getURL() {
    return this.mainFrame.url;
  }
}

export class BrowserWindow extends EventEmitter {
  constructor(opts) {
    super();
    this.opts = opts;
    this.webContents = new WebContents();
    windows.push(this);
    out({ event: 'window', options: opts });
    appEvents.emit('web-contents-created', {}, this.webContents);
  }
  loadURL(url) {
    this.webContents.mainFrame.url = url;
    out({ event: 'loadURL', url });
    setTimeout(() => this.emit('ready-to-show'), 5);
    return Promise.resolve();
  }
  show() {
    out({ event: 'show' });
  }
  isMinimized() {
    return false;
  }
  isVisible() {
    return true;
  }
  restore() {}
  focus() {}
  destroy() {
    this.destroyed = true;
    out({ event: 'destroy' });
  }
  isDestroyed() {
    return !!this.destroyed;
  }
}

export const app = {
  setPath(name, p) {
    if (name === 'userData') userData = p;
  },
  getPath() {
    return userData;
  },
  enableSandbox() {
    out({ event: 'enableSandbox' });
  },
  requestSingleInstanceLock() {
    return true;
  },
  on(ev, fn) {
    appEvents.on(ev, fn);
    return app;
  },
  whenReady() {
    return new Promise((r) => setTimeout(r, 5));
  },
  quit() {
    const e = { prevented: false, preventDefault() { this.prevented = true; } };
    appEvents.emit('before-quit', e);
    if (!e.prevented) {
      out({ event: 'quit' });
      setTimeout(() => process.exit(0), 5);
    }
  },
  exit(code) {
    out({ event: 'exit', code });
    process.exit(code);
  },
  getAppPath() {
    return process.env.FAKE_APP_PATH ?? process.cwd();
  },
  getVersion() {
    return '0.0.0-test';
  },
  isPackaged: process.env.FAKE_PACKAGED === '1',
};

export const Menu = {
  buildFromTemplate: (template) => ({ template }),
  setApplicationMenu: (menu) => out({ event: 'menu', template: menu ? menu.template : null }),
};

export const ipcMain = {
  handle(channel, fn) {
    ipcHandlers.set(channel, fn);
  },
};
export const session = {
  defaultSession: {
    webRequest: { onHeadersReceived: (fn) => (headersListener = fn) },
    setPermissionRequestHandler: (fn) => (permissionRequest = fn),
    setPermissionCheckHandler: (fn) => (permissionCheck = fn),
  },
};
export const shell = { openPath: async (p) => out({ event: 'openPath', path: p }) };
// showMessageBox answers with the button index of the last `dialog-answer` command (0: the first).
let dialogAnswer = 0;
export const dialog = {
  showErrorBox: (title, message) => out({ event: 'errorBox', message }),
  showMessageBox: async (_win, opts) => {
    out({ event: 'messageBox', message: opts.message, detail: opts.detail, buttons: opts.buttons });
    return { response: dialogAnswer };
  },
};
export const contextBridge = {};
export const ipcRenderer = {};
export default { app, BrowserWindow, ipcMain, Menu, session, shell, dialog };

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  const c = JSON.parse(line);
  const reply = (o) => out({ reply: c.id, ...o });
  // The main window is the one with the preload (the splash has none).
  const win = windows.find((w) => w.opts?.webPreferences?.preload) ?? windows[0];
  try {
    switch (c.cmd) {
      case 'invoke': {
        const sender = c.trusted ? win.webContents : new WebContents();
        const frame = c.trusted ? win.webContents.mainFrame : { url: c.frameUrl ?? 'http://evil.example/' };
        const fn = ipcHandlers.get(c.channel);
        if (!fn) return reply({ ok: false, error: 'no handler' });
        try {
          reply({ ok: true, value: await fn({ sender, senderFrame: frame }, ...(c.args ?? [])) });
        } catch (err) {
          reply({ ok: false, error: err.message });
        }
        return;
      }
      case 'headers':
        return headersListener({ url: c.url, responseHeaders: {} }, (r) => reply({ value: r.responseHeaders }));
      case 'navigate': {
        let prevented = false;
        win.webContents.emit('will-navigate', { preventDefault: () => (prevented = true) }, c.url);
        return reply({ value: prevented });
      }
      case 'open':
        return reply({ value: win.webContents.openHandler({ url: c.url }) });
      case 'webview': {
        let prevented = false;
        win.webContents.emit('will-attach-webview', { preventDefault: () => (prevented = true) });
        return reply({ value: prevented });
      }
      case 'permission':
        return permissionRequest({ getURL: () => c.url }, c.permission, (ok) => reply({ value: ok, check: permissionCheck(null, c.permission, c.url) }));
      case 'fail-load':
        win.webContents.emit('did-fail-load', {}, c.code, c.description, c.url, c.isMainFrame ?? true);
        return reply({ value: true });
      case 'renderer-gone':
        win.webContents.emit('render-process-gone', {}, { reason: c.reason, exitCode: c.exitCode ?? 1 });
        return reply({ value: true });
      case 'dialog-answer':
        dialogAnswer = c.response;
        return reply({ value: true });
      case 'quit':
        return app.quit();
    }
  } catch (err) {
    reply({ ok: false, error: err.message });
  }
});
