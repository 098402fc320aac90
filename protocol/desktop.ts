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

export type DesktopResult<T> = { ok: true; value: T } | { ok: false; error: string };

export interface TrincaDesktopApi {
  nodeInfo(): Promise<DesktopNodeInfo>;
  /** An invite code for friends: cluster id, secret and this peer's address. */
  createInvite(): Promise<DesktopResult<string>>;
  /** Restarts the embedded node as a member of the invite's cluster; the window reloads. */
  joinCluster(code: string): Promise<DesktopResult<null>>;
  openDataFolder(): Promise<void>;
}
