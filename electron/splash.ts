// The splash window shown while the embedded node starts (it can take a moment on a first
// run or after a crash recovery). A static page from a data: URL: no scripts, no preload.
import { BrowserWindow } from 'electron';
import { SPLASH_HTML } from './splash-page.ts';

export function showSplash(): BrowserWindow {
  const win = new BrowserWindow({
    width: 420,
    height: 260,
    frame: false,
    resizable: false,
    show: true,
    center: true,
    backgroundColor: '#10141f',
    title: 'Trinca',
    webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false },
  });
  void win.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(SPLASH_HTML)}`);
  return win;
}
