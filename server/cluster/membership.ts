// Who is in the cluster and who is alive. The one module that owns the member list:
// today it persists the list itself and merges gossip; with Raft the ledger's
// membership table feeds `replaceAll` and this keeps only liveness.
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../storage/atomic-file.ts';
import type { MemberInfo, ServerInfo } from '../../protocol/rest.ts';

export interface PeerView {
  term: number;
  leader: string | null;
}

export class Membership {
  private readonly members = new Map<string, MemberInfo>();
  private readonly lastSeen = new Map<string, number>();
  private readonly views = new Map<string, PeerView>();
  private persisting: Promise<void> = Promise.resolve();

  constructor(
    readonly self: MemberInfo,
    private readonly dataDir: string,
    private readonly deadAfterMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.members.set(self.id, self);
  }

  private get file(): string {
    return path.join(this.dataDir, 'members.json');
  }

  async load(): Promise<void> {
    try {
      const list = JSON.parse(await fs.readFile(this.file, 'utf8')) as MemberInfo[];
      for (const m of list) if (m.id !== this.self.id) this.members.set(m.id, m);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    // Record this node's current address too: `trinca invite` reads it from here.
    this.persist();
  }

  list(): MemberInfo[] {
    return [...this.members.values()];
  }

  others(): MemberInfo[] {
    return this.list().filter((m) => m.id !== this.self.id);
  }

  get(id: string): MemberInfo | undefined {
    return this.members.get(id);
  }

  /** Adds or updates members; returns true when something changed (then persisted). */
  merge(list: MemberInfo[]): boolean {
    let changed = false;
    for (const m of list) {
      if (m.id === this.self.id) continue;
      const cur = this.members.get(m.id);
      if (!cur || cur.address !== m.address || cur.mqttPort !== m.mqttPort) {
        this.members.set(m.id, { id: m.id, address: m.address, mqttPort: m.mqttPort });
        changed = true;
      }
    }
    if (changed) this.persist();
    return changed;
  }

  /** Replaces the whole list (the replicated membership is authoritative). */
  replaceAll(list: MemberInfo[]): void {
    const ids = new Set(list.map((m) => m.id));
    let changed = false;
    for (const id of [...this.members.keys()]) {
      if (id !== this.self.id && !ids.has(id)) {
        this.members.delete(id);
        changed = true;
      }
    }
    if (this.merge(list) || changed) this.persist();
  }

  remove(id: string): void {
    if (id !== this.self.id && this.members.delete(id)) this.persist();
  }

  markSeen(id: string, view?: PeerView): void {
    if (id === this.self.id) return;
    this.lastSeen.set(id, this.now());
    if (view) this.views.set(id, view);
  }

  markGone(id: string): void {
    this.lastSeen.delete(id);
  }

  isAlive(id: string): boolean {
    if (id === this.self.id) return true;
    const seen = this.lastSeen.get(id);
    return seen !== undefined && this.now() - seen <= this.deadAfterMs;
  }

  /** Milliseconds since this node last heard from `id` (Infinity if never; 0 for itself). */
  silenceMs(id: string): number {
    if (id === this.self.id) return 0;
    const seen = this.lastSeen.get(id);
    return seen === undefined ? Infinity : this.now() - seen;
  }

  aliveCount(): number {
    return this.list().filter((m) => this.isAlive(m.id)).length;
  }

  /** The `/servers` view; `roleOf` tells each member's Raft role as this node knows it. */
  servers(roleOf: (id: string) => string): ServerInfo[] {
    const now = this.now();
    return this.list().map((m) => {
      const seen = m.id === this.self.id ? now : this.lastSeen.get(m.id);
      return {
        id: m.id,
        address: m.address,
        mqttPort: m.mqttPort,
        alive: this.isAlive(m.id),
        lastSeenMs: seen === undefined ? null : Math.round(now - seen),
        raftRole: roleOf(m.id),
      };
    });
  }

  viewOf(id: string): PeerView | undefined {
    return this.views.get(id);
  }

  /** Waits for pending writes of members.json (used on stop). */
  flush(): Promise<void> {
    return this.persisting;
  }

  private persist(): void {
    const snapshot = JSON.stringify(this.list(), null, 2) + '\n';
    this.persisting = this.persisting.then(() => writeFileAtomic(this.file, snapshot)).catch(() => undefined);
  }
}
