// The player's link to the cluster: MQTT over WebSocket to one node at a time.
// * Subscribes topic by topic: `cluster/status`, the watched match topics, then the player's own
//   events topic (which makes the node greet with BEM_VINDO, MAO and the latest ATUALIZACAO_JOGO).
// * Keeps the known peers (from /servers and cluster/status); when the link drops it tries the
//   other alive peers first, then everyone, with backoff, until one answers — and the match
//   store finds its way back into the match from what the new node re-sends.
// * request(): publishes a command with a requestId and resolves with the reply carrying it
//   (ERRO rejects with CommandFailed). Every event also goes to the listeners, so stores change
//   state in one place (their handleEvent) whatever asked for it.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { commandsTopic, playerEventsTopic, matchEventsTopic, CLUSTER_STATUS_TOPIC } from '../../../protocol/topics.ts';
import type { ClusterStatus } from '../../../protocol/events.ts';
import { mqttConnector, originWsUrl, wsUrlFor, type Connector, type TransportClient } from '../lib/transport.ts';
import { newRequestId, type Credentials } from '../lib/credentials.ts';
import { CommandFailed, parseEvent, type CommandInput, type IncomingEvent } from '../lib/protocol.ts';

export type ConnectionStatus = 'idle' | 'connecting' | 'online' | 'reconnecting' | 'refused';

export interface KnownPeer {
  id: string;
  url: string;
  alive: boolean;
}

interface Pending {
  cmd: CommandInput;
  resolve: (e: IncomingEvent) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
  /** Safe to send again after a reconnect (the node deduplicates by requestId, or it is a read). */
  retry: boolean;
}

export interface RequestOptions {
  timeoutMs?: number;
  retry?: boolean;
}

/** Commands whose repetition is harmless: reads, profile, and COMPRAR (deduplicated by requestId in the ledger). */
const RETRYABLE = new Set(['COMPRAR', 'COLECAO', 'RANKING', 'PERFIL', 'HISTORICO', 'REPLAY']);
const PING_EVERY_MS = 5000;

export const useConnectionStore = defineStore('connection', () => {
  const status = ref<ConnectionStatus>('idle');
  const nodeId = ref<string | null>(null);
  const currentUrl = ref<string | null>(null);
  const latencyMs = ref<number | null>(null);
  const lastError = ref<string | null>(null);
  const reconnects = ref(0);
  const peers = ref<KnownPeer[]>([]);
  const online = computed(() => status.value === 'online');

  let connector: Connector = mqttConnector;
  let creds: Credentials | null = null;
  let homeUrl: string | null = null;
  let client: TransportClient | null = null;
  let loop = 0;
  let everOnline = false;
  let pingTimer: ReturnType<typeof setInterval> | null = null;
  let firstPing: ReturnType<typeof setTimeout> | null = null;
  const pending = new Map<string, Pending>();
  const matchTopics = new Set<string>();
  const listeners = new Set<(e: IncomingEvent, topic: string) => void>();
  const statusListeners = new Set<(s: ClusterStatus) => void>();

  function useConnector(c: Connector): void {
    connector = c;
  }

  function onEvent(fn: (e: IncomingEvent, topic: string) => void): () => void {
    listeners.add(fn);
    return () => listeners.delete(fn);
  }

  function onClusterStatus(fn: (s: ClusterStatus) => void): () => void {
    statusListeners.add(fn);
    return () => statusListeners.delete(fn);
  }

  /** Merges peers learned from /servers or cluster/status (addresses are the peers' http URLs). */
  function setKnownPeers(list: { id: string; address: string; alive: boolean }[]): void {
    const next = new Map(peers.value.map((p) => [p.id, p]));
    for (const s of list) {
      try {
        next.set(s.id, { id: s.id, url: wsUrlFor(s.address), alive: s.alive });
      } catch {
        // An address that is not a URL is skipped.
      }
    }
    peers.value = [...next.values()];
  }

  /** Starts (or restarts) the session on `url` (default: the node that served this page). */
  function connect(credentials: Credentials, url?: string): void {
    creds = credentials;
    homeUrl = url ?? homeUrl ?? originWsUrl();
    void closeClient();
    void connectLoop(null);
  }

  async function disconnect(): Promise<void> {
    loop++;
    status.value = 'idle';
    stopPing();
    await closeClient();
  }

  async function closeClient(): Promise<void> {
    const c = client;
    client = null;
    if (c) await c.end();
  }

  function candidates(failed: string | null): string[] {
    const preferred = failed ? [] : [currentUrl.value, homeUrl];
    const alive = peers.value.filter((p) => p.alive).map((p) => p.url);
    const rest = peers.value.filter((p) => !p.alive).map((p) => p.url);
    const all = [...preferred, ...alive, homeUrl, ...rest, currentUrl.value].filter((u): u is string => !!u);
    const uniq = [...new Set(all)];
    // The node that just dropped us goes last: it may come back, but try the others first.
    return failed ? [...uniq.filter((u) => u !== failed), ...(uniq.includes(failed) ? [failed] : [])] : uniq;
  }

  async function connectLoop(failed: string | null): Promise<void> {
    const me = ++loop;
    status.value = everOnline ? 'reconnecting' : 'connecting';
    let round = 0;
    while (me === loop && creds) {
      for (const url of candidates(failed)) {
        if (me !== loop) return;
        try {
          const c = await connector(url, {
            username: creds.playerId,
            password: creds.token,
            // The node accepts only client ids that start with the player's id and a dot.
            clientId: `${creds.playerId}.${Math.random().toString(36).slice(2, 8)}`,
          });
          if (me !== loop) {
            void c.end();
            return;
          }
          await attach(c, url);
          return;
        } catch (err) {
          if ((err as { authRefused?: boolean }).authRefused) {
            status.value = 'refused';
            lastError.value = (err as Error).message;
            return;
          }
          lastError.value = (err as Error).message;
          markAlive(url, false);
        }
      }
      failed = null;
      round++;
      await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** round, 4000)));
    }
  }

  function markAlive(url: string, alive: boolean): void {
    const p = peers.value.find((x) => x.url === url);
    if (p) p.alive = alive;
  }

  async function attach(c: TransportClient, url: string): Promise<void> {
    client = c;
    currentUrl.value = url;
    c.onMessage(handleMessage);
    c.onClose((reason) => {
      if (client !== c) return;
      client = null;
      stopPing();
      lastError.value = reason;
      markAlive(url, false);
      for (const [id, p] of pending) {
        if (p.retry) continue;
        clearTimeout(p.timer);
        pending.delete(id);
        p.reject(new CommandFailed('OFFLINE', 'the connection to the node was lost'));
      }
      void connectLoop(url);
    });
    await c.subscribe(CLUSTER_STATUS_TOPIC);
    for (const t of matchTopics) await c.subscribe(t);
    await c.subscribe(playerEventsTopic(creds!.playerId));
    if (client !== c) return;
    if (everOnline) reconnects.value++;
    everOnline = true;
    status.value = 'online';
    lastError.value = null;
    markAlive(url, true);
    for (const [id, p] of pending) publish(id, p.cmd);
    startPing();
  }

  function handleMessage(topic: string, payload: string): void {
    if (topic === CLUSTER_STATUS_TOPIC) {
      let s: ClusterStatus;
      try {
        s = JSON.parse(payload) as ClusterStatus;
      } catch {
        return;
      }
      if (!s || !Array.isArray(s.peers)) return;
      setKnownPeers(s.peers);
      for (const fn of statusListeners) fn(s);
      return;
    }
    const e = parseEvent(payload);
    if (!e) return;
    if (e.type === 'BEM_VINDO') nodeId.value = e.node;
    if (e.type === 'PONG' && typeof e.t === 'number') latencyMs.value = Math.max(0, Math.round(performance.now() - e.t));
    const rid = 'requestId' in e ? e.requestId : undefined;
    const p = rid ? pending.get(rid) : undefined;
    if (p && rid) {
      pending.delete(rid);
      clearTimeout(p.timer);
      if (e.type === 'ERRO') p.reject(new CommandFailed(e.code, e.message));
      else p.resolve(e);
    }
    for (const fn of listeners) {
      try {
        fn(e, topic);
      } catch (err) {
        console.error('event handler failed', err);
      }
    }
  }

  function publish(requestId: string, cmd: CommandInput): void {
    client?.publish(commandsTopic(creds!.playerId), JSON.stringify({ ...cmd, requestId }));
  }

  /** Sends a command; resolves with its reply (any event carrying the same requestId). */
  function request(cmd: CommandInput, opts: RequestOptions = {}): Promise<IncomingEvent> {
    const retry = opts.retry ?? RETRYABLE.has(cmd.type);
    if (!creds) return Promise.reject(new CommandFailed('OFFLINE', 'not connected'));
    if (!client && !retry) return Promise.reject(new CommandFailed('OFFLINE', 'not connected to a node'));
    const requestId = newRequestId(cmd.type.toLowerCase());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(requestId);
        reject(new CommandFailed('TIMEOUT', `${cmd.type}: no answer from the node`));
      }, opts.timeoutMs ?? 15_000);
      pending.set(requestId, { cmd, resolve, reject, timer, retry });
      if (client) publish(requestId, cmd);
    });
  }

  /**
   * Follows a match's topic (now, and after every reconnect). A refusal (SUBACK 128) can be a
   * node whose ledger replica has not applied the match yet: retried for a few seconds.
   */
  async function watchMatch(matchId: string): Promise<boolean> {
    const t = matchEventsTopic(matchId);
    matchTopics.add(t);
    for (let attempt = 0; attempt < 8; attempt++) {
      const c = client;
      if (!c || !matchTopics.has(t)) return false;
      if (await c.subscribe(t)) return true;
      await new Promise((r) => setTimeout(r, 250 * (attempt + 1)));
    }
    return false;
  }

  function unwatchMatch(matchId: string): void {
    const t = matchEventsTopic(matchId);
    if (matchTopics.delete(t)) void client?.unsubscribe(t);
  }

  function startPing(): void {
    stopPing();
    const ping = () => void request({ type: 'PING', t: performance.now() }, { timeoutMs: PING_EVERY_MS, retry: false }).catch(() => undefined);
    // The first probe waits a moment: right after CONNECT the node is busy greeting us.
    firstPing = setTimeout(ping, 1000);
    pingTimer = setInterval(ping, PING_EVERY_MS);
  }

  function stopPing(): void {
    if (pingTimer) clearInterval(pingTimer);
    if (firstPing) clearTimeout(firstPing);
    pingTimer = null;
    firstPing = null;
  }

  return {
    status,
    nodeId,
    currentUrl,
    latencyMs,
    lastError,
    reconnects,
    peers,
    online,
    useConnector,
    onEvent,
    onClusterStatus,
    setKnownPeers,
    connect,
    disconnect,
    request,
    watchMatch,
    unwatchMatch,
  };
});
