// The desktop bridge's contract: what the Electron preload exposes to the renderer as
// `window.trinca`. Shared by electron/ (main + preload) and renderer/ (which may import
// only protocol/), so the two sides cannot drift apart.

export interface DesktopNodeInfo {
  id: string;
  clusterId: string;
  httpUrl: string;
  mqttPort: number;
  dataDir: string;
  appVersion: string;
}

/** The player's identity as the desktop app keeps it (under userData, not in a page's storage). */
export interface DesktopIdentity {
  playerId: string;
  token: string;
  name: string | null;
}

export type DesktopResult<T> = { ok: true; value: T } | { ok: false; error: string };

export interface TrincaDesktopApi {
  nodeInfo(): Promise<DesktopNodeInfo>;
  /** An invite code for friends: cluster id, secret and this peer's address. */
  createInvite(): Promise<DesktopResult<string>>;
  /** Restarts the embedded node as a member of the invite's cluster; the window reloads. */
  joinCluster(code: string): Promise<DesktopResult<null>>;
  openDataFolder(): Promise<void>;
  /** The identity kept by the main process, or null before the first one is saved. */
  loadIdentity?(): Promise<DesktopIdentity | null>;
  saveIdentity?(identity: DesktopIdentity): Promise<DesktopResult<null>>;
  /** Opens the folder holding the app's log file (userData/logs). */
  openLogsFolder?(): Promise<void>;
}
