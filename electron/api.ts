// The desktop bridge: IPC channel names and the shapes crossing them. Shared by the main
// process and the preload (both under electron/). The renderer has its own copy of the
// interface (renderer/src/lib/desktop.ts), because renderer → protocol is its only dependency.

export const IPC = {
  nodeInfo: 'trinca:node-info',
  createInvite: 'trinca:create-invite',
  joinCluster: 'trinca:join-cluster',
  openDataFolder: 'trinca:open-data-folder',
} as const;

export interface DesktopNodeInfo {
  id: string;
  clusterId: string;
  httpUrl: string;
  mqttPort: number;
  dataDir: string;
  appVersion: string;
}

export type DesktopResult<T> = { ok: true; value: T } | { ok: false; error: string };

export interface TrincaDesktopApi {
  nodeInfo(): Promise<DesktopNodeInfo>;
  createInvite(): Promise<DesktopResult<string>>;
  joinCluster(code: string): Promise<DesktopResult<null>>;
  openDataFolder(): Promise<void>;
}

/** Longest invite code accepted over IPC (a real one is a few hundred characters). */
export const MAX_INVITE_LENGTH = 8192;
