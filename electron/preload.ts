// Sandboxed preload (CommonJS, docs/stack.md, trap 5): exposes a narrow, typed API as `window.trinca`.
// Never `ipcRenderer` itself; every argument is checked here and again in the main process.
import { contextBridge, ipcRenderer } from 'electron';
import { IPC, MAX_INVITE_LENGTH, type TrincaDesktopApi } from './api.ts';
import { mayExposeApi } from './security.ts';

const api: TrincaDesktopApi = {
  nodeInfo: () => ipcRenderer.invoke(IPC.nodeInfo),
  createInvite: () => ipcRenderer.invoke(IPC.createInvite),
  joinCluster: (code: string) => {
    if (typeof code !== 'string' || code.length === 0 || code.length > MAX_INVITE_LENGTH) {
      return Promise.resolve({ ok: false as const, error: 'invalid invite code' });
    }
    return ipcRenderer.invoke(IPC.joinCluster, code);
  },
  openDataFolder: () => ipcRenderer.invoke(IPC.openDataFolder),
  loadIdentity: () => ipcRenderer.invoke(IPC.loadIdentity),
  saveIdentity: (id) => ipcRenderer.invoke(IPC.saveIdentity, { playerId: id?.playerId, token: id?.token, name: id?.name ?? null }),
  openLogsFolder: () => ipcRenderer.invoke(IPC.openLogsFolder),
};

// Only the node's UI of this launch (origin passed by the main process) gets the API.
if (mayExposeApi(globalThis.location?.origin ?? 'null', process.argv)) contextBridge.exposeInMainWorld('trinca', Object.freeze(api));
