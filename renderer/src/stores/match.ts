// Matchmaking and the current match: queue state, the latest ATUALIZACAO_JOGO, the own hand
// (MAO), chat, the event timeline, the failover banner and the result (FIM_DE_JOGO).
// Everything here is rebuilt from what a node sends, so a reconnect to any peer (which
// re-sends BEM_VINDO {activeMatchId}, MAO and the latest ATUALIZACAO_JOGO) restores the screen.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { Card } from '../../../protocol/cards.ts';
import type { AtualizacaoJogo, FimDeJogo } from '../../../protocol/events.ts';
import type { Narration } from '../../../protocol/narration.ts';
import { CommandFailed, type IncomingEvent } from '../lib/protocol.ts';
import { readJson, writeJson } from '../lib/storage.ts';
import { useConnectionStore } from './connection.ts';
import { usePlayerStore } from './player.ts';
import { useClusterStore } from './cluster.ts';

export type QueueState = 'idle' | 'joining' | 'queued' | 'leaving';

export type TimelineEntry =
  | { id: number; at: number; kind: 'found'; opponent: string; host: string; shadow: string }
  /** `narration` rendered in the player's language; `message` (Portuguese) only if a node sent no narration. */
  | { id: number; at: number; kind: 'update'; seq: number; narration: Narration | null; message: string }
  | { id: number; at: number; kind: 'chat'; from: string; text: string; mine: boolean }
  | { id: number; at: number; kind: 'failover'; host: string; from: string | null }
  | { id: number; at: number; kind: 'reconnected'; node: string }
  | { id: number; at: number; kind: 'end'; winnerName: string | null; reason: string };

export interface FailoverNotice {
  from: string | null;
  to: string;
  at: number;
}

/** A trick that just closed, shown on the table (both cards, the winner) for a short beat. */
export interface ResolvedTrick {
  round: number;
  cards: { playerId: string; card: Card }[];
  winnerId: string | null;
}

/** How long a closed trick stays on the table before the next lead (or the end screen). */
export const TRICK_BEAT_MS = 1800;
/** A move normally comes back in ~100 ms; past this the host is suspected (docs/design.md §8: failover ≈ 1 s). */
const SLOW_MOVE_MS = 900;
const TRICK_KEYS = new Set(['TRICK_WON', 'TRICK_TIED', 'MATCH_WON', 'MATCH_DRAW']);

interface SavedMatch {
  matchId: string;
  opponentId: string | null;
  opponentName: string | null;
  host: string | null;
  shadow: string | null;
}

/** Default turn length (docs/design.md §5), used only when the node does not send `turnDeadline`. */
export const DEFAULT_TURN_MS = 30_000;

export const useMatchStore = defineStore('match', () => {
  const connection = useConnectionStore();
  const player = usePlayerStore();
  const cluster = useClusterStore();

  const queue = ref<QueueState>('idle');
  const matchId = ref<string | null>(null);
  const opponentId = ref<string | null>(null);
  const opponentName = ref<string | null>(null);
  const host = ref<string | null>(null);
  const shadow = ref<string | null>(null);
  const epoch = ref<number | null>(null);
  const state = shallowRef<AtualizacaoJogo | null>(null);
  const hand = ref<Card[]>([]);
  const lastTrick = ref<{ playerId: string; card: Card }[] | null>(null);
  const timeline = ref<TimelineEntry[]>([]);
  const failover = ref<FailoverNotice | null>(null);
  const result = shallowRef<FimDeJogo | null>(null);
  /** The node said we are in no match although we were: it ended while we were away. */
  const endedAway = ref(false);
  const turnDeadline = ref<number | null>(null);
  const playing = ref<string | null>(null);
  const error = ref<string | null>(null);
  /** When the player joined the queue (for the elapsed-time display). */
  const queuedSince = ref<number | null>(null);
  const resolving = shallowRef<ResolvedTrick | null>(null);
  /** A move of ours unanswered for a while: the host may be gone (the node retries on the reserve). */
  const slowMove = ref(false);
  let beatTimer: ReturnType<typeof setTimeout> | null = null;
  /** Cards seen in other players' hands (played on the table): what one can ask for in a trade. */
  const seen = ref<Record<string, Card[]>>(readJson<Record<string, Card[]>>('seen') ?? {});
  /** Names of players met (opponents), for trades and chat. */
  const names = ref<Record<string, string>>(readJson<Record<string, string>>('names') ?? {});
  let nextId = 1;

  const phase = computed(() => state.value?.phase ?? (matchId.value ? 'AGUARDANDO_COMPRA' : null));
  const inMatch = computed(() => !!matchId.value && !result.value && !endedAway.value);
  const myTurn = computed(() => state.value?.phase === 'JOGANDO' && state.value.turn === player.playerId);
  const myScore = computed(() => state.value?.scores[player.playerId] ?? 0);
  const opponentScore = computed(() => (opponentId.value ? (state.value?.scores[opponentId.value] ?? 0) : 0));
  const opponentCards = computed(() => (opponentId.value ? (state.value?.handCounts[opponentId.value] ?? null) : null));
  /** Display names of the match's players (the player's own included), for the narration. */
  const playerNames = computed(() => {
    const out: Record<string, string> = { ...names.value };
    for (const p of state.value?.players ?? []) out[p.id] = p.name;
    if (opponentId.value && opponentName.value) out[opponentId.value] = opponentName.value;
    if (player.name) out[player.playerId] = player.name;
    return out;
  });
  /** The match's host is suspected dead (its peer marked down, or our own link is gone): no "your turn" then. */
  const hostSuspect = computed(() => {
    if (!inMatch.value || !host.value) return false;
    if (connection.status !== 'online' || slowMove.value) return true;
    return cluster.peers.find((p) => p.id === host.value)?.alive === false;
  });
  const needsHand = computed(() => inMatch.value && phase.value === 'AGUARDANDO_COMPRA' && hand.value.length === 0);

  type NewEntry = TimelineEntry extends infer E ? (E extends TimelineEntry ? Omit<E, 'id' | 'at'> : never) : never;
  function push(entry: NewEntry): void {
    timeline.value = [...timeline.value, { at: Date.now(), ...entry, id: nextId++ } as TimelineEntry].slice(-300);
  }

  function save(): void {
    writeJson(
      'match',
      matchId.value && !result.value
        ? ({ matchId: matchId.value, opponentId: opponentId.value, opponentName: opponentName.value, host: host.value, shadow: shadow.value } satisfies SavedMatch)
        : null,
    );
  }

  function reset(): void {
    if (matchId.value) connection.unwatchMatch(matchId.value);
    matchId.value = null;
    opponentId.value = null;
    opponentName.value = null;
    host.value = null;
    shadow.value = null;
    epoch.value = null;
    state.value = null;
    hand.value = [];
    lastTrick.value = null;
    timeline.value = [];
    failover.value = null;
    result.value = null;
    endedAway.value = false;
    turnDeadline.value = null;
    playing.value = null;
    error.value = null;
    endBeat();
  }

  function endBeat(): void {
    if (beatTimer) clearTimeout(beatTimer);
    beatTimer = null;
    resolving.value = null;
  }

  function startBeat(t: ResolvedTrick): void {
    endBeat();
    resolving.value = t;
    beatTimer = setTimeout(endBeat, TRICK_BEAT_MS);
  }

  function begin(m: SavedMatch): void {
    reset();
    matchId.value = m.matchId;
    opponentId.value = m.opponentId;
    opponentName.value = m.opponentName ?? (m.opponentId ? (names.value[m.opponentId] ?? null) : null);
    host.value = m.host;
    shadow.value = m.shadow;
    save();
    void connection.watchMatch(m.matchId);
  }

  /** Called once at start-up, before connecting: subscribe to a match we were in before a reload. */
  function restore(): void {
    const saved = readJson<SavedMatch>('match');
    if (saved?.matchId) begin(saved);
  }

  function rememberName(id: string, name: string): void {
    if (!id || !name || names.value[id] === name) return;
    names.value = { ...names.value, [id]: name };
    writeJson('names', names.value);
  }

  function rememberSeen(playerId: string, card: Card): void {
    if (playerId === player.playerId) return;
    const list = seen.value[playerId] ?? [];
    if (list.some((c) => c.id === card.id)) return;
    seen.value = { ...seen.value, [playerId]: [...list, card].slice(-60) };
    writeJson('seen', seen.value);
  }

  function applyUpdate(e: AtualizacaoJogo): void {
    if (!matchId.value || matchId.value !== e.matchId) {
      if (matchId.value && !result.value && !endedAway.value) return; // an old match's straggler
      begin({ matchId: e.matchId, opponentId: null, opponentName: null, host: e.host, shadow: null });
    }
    const prev = state.value;
    if (prev && e.eventSeq < prev.eventSeq) return; // late duplicate from another node
    for (const p of e.players ?? []) rememberName(p.id, p.name);
    const known = e.players?.find((p) => p.id !== player.playerId)?.id ?? Object.keys({ ...e.scores, ...e.handCounts }).find((id) => id !== player.playerId);
    if (known && (!opponentId.value || !opponentName.value)) {
      opponentId.value = known;
      opponentName.value ??= names.value[known] ?? null;
      save();
    }
    if (e.shadow !== undefined) shadow.value = e.shadow;
    // Failover: another host, a higher epoch, or the update narrates one (structured, not text).
    const fresh = !prev || e.eventSeq > prev.eventSeq;
    const hostChanged = !!host.value && !!e.host && e.host !== host.value;
    const epochUp = e.epoch !== undefined && epoch.value !== null && e.epoch > epoch.value;
    const narratesFailover = (e.narration?.key === 'FAILOVER' || e.lastEvent === 'FAILOVER') && fresh;
    if ((hostChanged || epochUp || narratesFailover) && (!failover.value || failover.value.to !== e.host)) {
      const from = e.narration?.key === 'FAILOVER' ? e.narration.params.from : host.value;
      failover.value = { from, to: e.host, at: Date.now() };
      push({ kind: 'failover', host: e.host, from });
    }
    if (e.host) host.value = e.host;
    if (e.epoch !== undefined) epoch.value = e.epoch;
    // The FAILOVER narration is the failover entry itself; other updates are narrated.
    if (fresh && e.narration?.key !== 'FAILOVER' && (e.narration || e.message)) push({ kind: 'update', seq: e.eventSeq, narration: e.narration ?? null, message: e.message });
    // A trick just closed (live, not a re-sent update): both cards and the winner stay on the table a moment.
    if (prev && e.eventSeq > prev.eventSeq && e.narration && TRICK_KEYS.has(e.narration.key) && e.lastTrick) {
      startBeat({ round: e.lastTrick.round, cards: e.lastTrick.cards, winnerId: e.lastTrick.winnerId });
    }
    for (const t of e.table) rememberSeen(t.playerId, t.card);
    // The card that closes a trick is never on the table: it arrives in lastTrick.
    for (const t of e.lastTrick?.cards ?? []) rememberSeen(t.playerId, t.card);
    if (e.lastTrick !== undefined) lastTrick.value = e.lastTrick?.cards ?? null;
    else if (prev && prev.table.length > e.table.length && prev.table.length >= 2) lastTrick.value = prev.table;
    else if (e.table.length >= 2) lastTrick.value = e.table;
    // The turn timer: the host's deadline when given, else 30 s from when the turn began here.
    const startedAt = (e as { turnStartedAt?: unknown }).turnStartedAt;
    const turnChanged = !prev || prev.turn !== e.turn || prev.round !== e.round || prev.table.length !== e.table.length;
    if (e.phase !== 'JOGANDO' || !e.turn) turnDeadline.value = null;
    else if (typeof e.turnDeadline === 'number' && Math.abs(e.turnDeadline - Date.now()) < 5 * DEFAULT_TURN_MS) turnDeadline.value = e.turnDeadline;
    else if (typeof startedAt === 'number' && Math.abs(startedAt - Date.now()) < 5 * DEFAULT_TURN_MS) turnDeadline.value = startedAt + DEFAULT_TURN_MS;
    else if (turnChanged) turnDeadline.value = Date.now() + DEFAULT_TURN_MS;
    if (playing.value && (e.turn !== player.playerId || turnChanged)) playing.value = null;
    state.value = e;
    save();
  }

  function handleEvent(e: IncomingEvent): void {
    switch (e.type) {
      case 'BEM_VINDO': {
        if (e.activeMatchId) {
          if (e.activeMatchId !== matchId.value || result.value) {
            const saved = readJson<SavedMatch>('match');
            begin(saved?.matchId === e.activeMatchId ? saved : { matchId: e.activeMatchId, opponentId: null, opponentName: null, host: null, shadow: null });
          } else {
            void connection.watchMatch(e.activeMatchId);
          }
          if (timeline.value.length > 0) push({ kind: 'reconnected', node: e.node });
          queue.value = 'idle';
        } else if (inMatch.value && state.value?.phase !== 'FINALIZADO') {
          endedAway.value = true;
          writeJson('match', null);
        } else if (queue.value === 'queued') {
          // A node we reconnected to may not have our queue entry: ask again (ALREADY_QUEUED is fine).
          void joinQueue();
        }
        break;
      }
      case 'AGUARDANDO_OPONENTE':
        if (!inMatch.value) {
          queue.value = 'queued';
          queuedSince.value ??= Date.now();
        }
        break;
      case 'FILA_CANCELADA':
        queue.value = 'idle';
        queuedSince.value = null;
        break;
      case 'PARTIDA_ENCONTRADA':
        queue.value = 'idle';
        queuedSince.value = null;
        rememberName(e.opponentId, e.opponentName);
        if (matchId.value !== e.matchId || result.value) {
          begin({ matchId: e.matchId, opponentId: e.opponentId, opponentName: e.opponentName, host: e.host, shadow: e.shadow });
        } else {
          opponentId.value = e.opponentId;
          opponentName.value = e.opponentName;
          host.value ??= e.host;
          shadow.value = e.shadow;
          save();
        }
        push({ kind: 'found', opponent: e.opponentName, host: e.host, shadow: e.shadow });
        break;
      case 'MAO':
        if (!matchId.value) begin({ matchId: e.matchId, opponentId: null, opponentName: null, host: null, shadow: null });
        if (e.matchId === matchId.value) {
          hand.value = e.hand;
          if (playing.value && !e.hand.some((c) => c.id === playing.value)) playing.value = null;
        }
        break;
      case 'ATUALIZACAO_JOGO':
        applyUpdate(e);
        break;
      case 'CHAT_RECEBIDO': {
        if (e.matchId && e.matchId !== matchId.value) break;
        const mine = e.from === player.playerId;
        if (e.fromName) rememberName(e.from, e.fromName);
        const from = mine ? (player.name ?? e.fromName ?? e.from) : (e.fromName ?? (e.from === opponentId.value ? opponentName.value : null) ?? names.value[e.from] ?? e.from);
        push({ kind: 'chat', from, text: e.text, mine });
        break;
      }
      case 'FIM_DE_JOGO':
        if (matchId.value && e.matchId !== matchId.value) break;
        if (!matchId.value) begin({ matchId: e.matchId, opponentId: null, opponentName: null, host: null, shadow: null });
        if (result.value) break;
        result.value = e;
        turnDeadline.value = null;
        push({ kind: 'end', winnerName: e.winnerName, reason: e.reason });
        save();
        break;
    }
  }

  async function run(fn: () => Promise<unknown>): Promise<void> {
    error.value = null;
    try {
      await fn();
    } catch (err) {
      error.value = err instanceof CommandFailed ? err.code : (err as Error).message;
      throw err;
    }
  }

  async function joinQueue(): Promise<void> {
    if (inMatch.value) return;
    queue.value = 'joining';
    try {
      const r = await connection.request({ type: 'ENTRAR_FILA' });
      if (r.type === 'AGUARDANDO_OPONENTE' || r.type === 'OK') queue.value = inMatch.value ? 'idle' : 'queued';
      if (queue.value === 'queued') queuedSince.value ??= Date.now();
      error.value = null;
    } catch (err) {
      if (err instanceof CommandFailed && err.code === 'ALREADY_QUEUED') {
        queue.value = 'queued';
        return;
      }
      queue.value = 'idle';
      error.value = err instanceof CommandFailed ? err.code : (err as Error).message;
    }
  }

  async function leaveQueue(): Promise<void> {
    queue.value = 'leaving';
    try {
      await connection.request({ type: 'SAIR_FILA' });
      queue.value = 'idle';
      queuedSince.value = null;
    } catch (err) {
      queue.value = err instanceof CommandFailed && err.code === 'NOT_QUEUED' ? 'idle' : 'queued';
      if (queue.value === 'queued') error.value = err instanceof CommandFailed ? err.code : (err as Error).message;
    }
  }

  const ready = (cardIds: string[]) => run(() => connection.request({ type: 'PRONTO', cardIds }));

  async function play(cardId: string): Promise<void> {
    if (!myTurn.value || playing.value || resolving.value || hostSuspect.value) return;
    playing.value = cardId;
    const slow = setTimeout(() => (slowMove.value = true), SLOW_MOVE_MS);
    try {
      await run(() => connection.request({ type: 'JOGAR', cardId }));
    } catch {
      playing.value = null;
    } finally {
      clearTimeout(slow);
      slowMove.value = false;
    }
  }

  /** Concedes the match (DESISTIR): the opponent wins. */
  const concede = () => run(() => connection.request({ type: 'DESISTIR' }));

  const chat = (text: string) => run(() => connection.request({ type: 'CHAT', text: text.slice(0, 200) }));

  function dismissFailover(): void {
    failover.value = null;
  }

  /** Leaves the end-of-match screen for the lobby. */
  function leave(): void {
    reset();
    writeJson('match', null);
  }

  connection.onEvent(handleEvent);

  return {
    queue,
    matchId,
    opponentId,
    opponentName,
    host,
    shadow,
    epoch,
    state,
    hand,
    lastTrick,
    timeline,
    failover,
    result,
    endedAway,
    turnDeadline,
    playing,
    error,
    queuedSince,
    resolving,
    hostSuspect,
    playerNames,
    seen,
    names,
    phase,
    inMatch,
    myTurn,
    myScore,
    opponentScore,
    opponentCards,
    needsHand,
    restore,
    rememberName,
    handleEvent,
    joinQueue,
    leaveQueue,
    ready,
    play,
    chat,
    concede,
    endBeat,
    dismissFailover,
    leave,
  };
});
