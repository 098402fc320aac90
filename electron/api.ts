// The desktop bridge: IPC channel names, shared by the main process and the preload. The
// API's shapes are in protocol/desktop.ts, shared with the renderer.

export const IPC = {
  nodeInfo: 'trinca:node-info',
  createInvite: 'trinca:create-invite',
  joinCluster: 'trinca:join-cluster',
  openDataFolder: 'trinca:open-data-folder',
  loadIdentity: 'trinca:load-identity',
  saveIdentity: 'trinca:save-identity',
  openLogsFolder: 'trinca:open-logs-folder',
} as const;

export type { DesktopIdentity, DesktopNodeInfo, DesktopResult, TrincaDesktopApi } from '../protocol/desktop.ts';

/** Longest invite code accepted over IPC (a real one is a few hundred characters). */
export const MAX_INVITE_LENGTH = 8192;
