// What the player can see of the cluster: the retained `cluster/status` topic (peers, alive,
// leader, term, stock, matches per peer) and the page's node's `GET /servers` (roles, last seen).
// Feeds the connection store's list of peers to fail over to.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { ClusterStatus } from '../../../protocol/events.ts';
import type { ServerInfo } from '../../../protocol/rest.ts';
import { useConnectionStore } from './connection.ts';

export interface PeerView {
  id: string;
  address: string;
  alive: boolean;
  role: string;
  leader: boolean;
  matches: number | null;
  lastSeenMs: number | null;
  current: boolean;
}

export const useClusterStore = defineStore('cluster', () => {
  const connection = useConnectionStore();
  const status = shallowRef<ClusterStatus | null>(null);
  const servers = ref<ServerInfo[]>([]);
  const serversError = ref<string | null>(null);
  const receivedAt = ref<number | null>(null);
  /** When GET /servers last answered. */
  const serversAt = ref<number | null>(null);
  let timer: ReturnType<typeof setInterval> | null = null;

  const peers = computed<PeerView[]>(() => {
    const byId = new Map<string, PeerView>();
    const leader = status.value?.leader ?? null;
    for (const s of servers.value) {
      byId.set(s.id, { id: s.id, address: s.address, alive: s.alive, role: s.raftRole, leader: s.id === leader, matches: null, lastSeenMs: s.lastSeenMs, current: false });
    }
    for (const p of status.value?.peers ?? []) {
      const prev = byId.get(p.id);
      byId.set(p.id, {
        id: p.id,
        address: p.address,
        // cluster/status is pushed every second; /servers only when polled: prefer the fresher one.
        alive: p.alive,
        role: p.raftRole || prev?.role || 'unknown',
        leader: p.id === leader,
        matches: p.matches ?? null,
        lastSeenMs: prev?.lastSeenMs ?? null,
        current: false,
      });
    }
    for (const v of byId.values()) {
      v.current = v.id === connection.nodeId;
      // The node that just dropped us is not alive, whatever its last status said.
      if (v.current && connection.status === 'reconnecting') v.alive = false;
    }
    return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
  });
  const aliveCount = computed(() => peers.value.filter((p) => p.alive).length);

  function onStatus(s: ClusterStatus): void {
    status.value = s;
    receivedAt.value = Date.now();
  }

  /** GET /servers from the page's own node (same origin; other peers send no CORS headers). */
  async function refreshServers(fetchImpl: typeof fetch = fetch): Promise<void> {
    try {
      const res = await fetchImpl('/servers', { headers: { accept: 'application/json' }, cache: 'no-store' });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const list = (await res.json()) as ServerInfo[];
      if (!Array.isArray(list)) throw new Error('unexpected /servers body');
      servers.value = list;
      serversError.value = null;
      serversAt.value = Date.now();
      connection.setKnownPeers(list);
    } catch (err) {
      serversError.value = (err as Error).message;
    }
  }

  function startPolling(everyMs = 5000): void {
    stopPolling();
    void refreshServers();
    timer = setInterval(() => void refreshServers(), everyMs);
  }

  function stopPolling(): void {
    if (timer) clearInterval(timer);
    timer = null;
  }

  connection.onClusterStatus(onStatus);

  return { status, servers, serversError, receivedAt, serversAt, peers, aliveCount, onStatus, refreshServers, startPolling, stopPolling };
});
