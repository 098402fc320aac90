// The desktop app's embedded peer: starts `startNode` (unchanged, as the CLI does) with its
// data under userData, makes invite codes, and re-joins another cluster from an invite.
// No Electron API here, so it is tested in Node against real nodes.
import fs from 'node:fs/promises';
import path from 'node:path';
import { startNode, type NodeHandle } from '../server/node.ts';
import { nodeConfigFromValues, type NodeConfig } from '../server/config.ts';
import { decodeInvite, encodeInvite, inviteVersionProblem, type Invite } from '../server/cluster/invite.ts';
import { PROTOCOL_VERSION } from '../protocol/version.ts';
import { logFileOf } from './desktop-files.ts';
import { loadIdentity, readSecret } from '../server/cluster/identity.ts';
import type { MemberInfo } from '../protocol/rest.ts';
import { advertiseFor, loadSettings, localUiUrl, type DesktopSettings } from './settings.ts';

export interface NodeHostOptions {
  userData: string;
  /** The built player UI the node serves at `/`. */
  uiDir?: string;
  env?: NodeJS.ProcessEnv;
}

export interface NodeInfo {
  id: string;
  clusterId: string;
  httpUrl: string;
  mqttPort: number;
  dataDir: string;
}

export class NodeHost {
  private handle: NodeHandle | null = null;
  private settings: DesktopSettings | null = null;
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly opts: NodeHostOptions) {
    this.env = opts.env ?? process.env;
  }

  get dataDir(): string {
    return path.join(this.opts.userData, 'node');
  }

  get running(): boolean {
    return this.handle !== null;
  }

  /** The URL the window shows (the node's UI over loopback). */
  get uiUrl(): string {
    if (!this.settings) throw new Error('node not started');
    return localUiUrl(this.settings);
  }

  info(): NodeInfo {
    if (!this.handle) throw new Error('node not started');
    return { id: this.handle.id, clusterId: this.handle.clusterId, httpUrl: this.handle.httpUrl, mqttPort: this.handle.mqttPort, dataDir: this.dataDir };
  }

  /**
   * The node's configuration through the CLI's own option table (server/config.ts): the
   * desktop supplies what a user would type (id, ports, data dir, addresses) and the
   * environment sets the rest exactly as for `trinca node` (TRINCA_LOG_LEVEL, …).
   */
  private config(invite?: Invite): NodeConfig {
    const s = this.settings!;
    const config = nodeConfigFromValues(
      { id: s.nodeId, httpPort: String(s.httpPort), mqttPort: String(s.mqttPort), dataDir: this.dataDir, host: s.host, advertise: advertiseFor(s, this.env), uiDir: this.opts.uiDir },
      this.env,
    );
    config.logFile = logFileOf(this.opts.userData);
    if (!invite) return config;
    return { ...config, secret: invite.secret, secretFile: undefined, join: [...new Set([...config.join, ...invite.peers])], inviteClusterId: invite.clusterId };
  }

  /**
   * Starts the peer. A first start bootstraps a new cluster of one, unless TRINCA_INVITE names
   * a cluster to join; later starts resume the cluster stored in the data dir.
   */
  async start(): Promise<NodeHandle> {
    if (this.handle) return this.handle;
    this.settings = await loadSettings(this.opts.userData, this.env);
    const fresh = !(await loadIdentity(this.dataDir));
    const invite = fresh && this.env.TRINCA_INVITE ? usableInvite(this.env.TRINCA_INVITE) : undefined;
    this.handle = await startNode(this.config(invite));
    return this.handle;
  }

  async stop(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    if (h) await h.stop();
  }

  /** An invite code: this cluster's id and secret, and the addresses of this peer and the peers it knows. */
  async createInvite(): Promise<string> {
    if (!this.handle) throw new Error('node not started');
    const secret = await readSecret({ dataDir: this.dataDir });
    if (!secret) throw new Error('this node has no cluster secret');
    let members: MemberInfo[] = [];
    try {
      members = JSON.parse(await fs.readFile(path.join(this.dataDir, 'members.json'), 'utf8')) as MemberInfo[];
    } catch {
      // A peer that never saw another has no members.json yet.
    }
    const peers = [...new Set([this.handle.httpUrl, ...members.map((m) => m.address)])].slice(0, 32);
    return encodeInvite({ clusterId: this.handle.clusterId, secret, peers, version: PROTOCOL_VERSION });
  }

  /**
   * Leaves the current cluster for the invite's: stops the node, sets its data aside
   * (`node.before-join-<time>`), and starts again as a member of the other cluster. If that
   * fails, the old data comes back and the old node restarts; the error is rethrown.
   */
  async join(code: string): Promise<NodeHandle> {
    const invite = usableInvite(code);
    if (this.handle && invite.clusterId === this.handle.clusterId) throw new Error('this peer is already a member of that cluster');
    await this.stop();
    this.settings ??= await loadSettings(this.opts.userData, this.env);
    const aside = `${this.dataDir}.before-join-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const hadData = await fs.stat(this.dataDir).then(
      () => true,
      () => false,
    );
    if (hadData) await fs.rename(this.dataDir, aside);
    try {
      this.handle = await startNode(this.config(invite));
      return this.handle;
    } catch (err) {
      await fs.rm(this.dataDir, { recursive: true, force: true });
      if (hadData) await fs.rename(aside, this.dataDir);
      await this.start().catch(() => undefined);
      throw err;
    }
  }
}

/**
 * Decodes an invite and refuses one from a cluster of another protocol major version before
 * anything is stopped; the message (protocol/version.ts) is what the first-run screen shows.
 */
export function usableInvite(code: string): Invite {
  const invite = decodeInvite(code);
  const problem = inviteVersionProblem(invite);
  if (problem) throw new Error(problem);
  return invite;
}
