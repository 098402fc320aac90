// Node → player events (docs/design.md §4). Private ones go to `jogadores/<id>/eventos`,
// match ones to `partidas/<matchId>/eventos`.
import type { Card } from './cards.ts';
import type { Narration } from './narration.ts';

export type { Narration, NarrationKey } from './narration.ts';

export type Phase = 'AGUARDANDO_COMPRA' | 'JOGANDO' | 'FINALIZADO';

export interface BemVindo { type: 'BEM_VINDO'; playerId: string; name: string; node: string; activeMatchId?: string }
export interface AguardandoOponente { type: 'AGUARDANDO_OPONENTE'; requestId?: string }
export interface FilaCancelada { type: 'FILA_CANCELADA'; requestId?: string }
export interface PartidaEncontrada {
  type: 'PARTIDA_ENCONTRADA';
  matchId: string;
  opponentId: string;
  opponentName: string;
  host: string;
  shadow: string;
}
export interface PacoteResultado { type: 'PACOTE_RESULTADO'; requestId: string; cards: Card[]; remaining: number }
export interface Mao { type: 'MAO'; matchId: string; hand: Card[] }
export interface Colecao { type: 'COLECAO'; requestId?: string; cards: Card[] }
export interface TrocaProposta { type: 'TROCA_PROPOSTA'; tradeId: string; fromPlayerId: string; offerCard: Card; wantCard: Card }
/**
 * Reply to PROPOR_TROCA: the offer is committed (cluster-wide, survives node loss) and the
 * other player is being told with TROCA_PROPOSTA. `tradeId` names it in RESPONDER_TROCA and
 * in the outcome (TROCA_CONCLUIDA / TROCA_RECUSADA).
 */
export interface TrocaEnviada { type: 'TROCA_ENVIADA'; requestId: string; tradeId: string; toPlayerId: string; offerCard: Card; wantCard: Card }
export interface TrocaConcluida { type: 'TROCA_CONCLUIDA'; tradeId: string; requestId?: string }
export interface TrocaRecusada { type: 'TROCA_RECUSADA'; tradeId: string; reason: string; requestId?: string }
export interface Pong { type: 'PONG'; requestId?: string; t: number; node: string }
export interface Perfil { type: 'PERFIL'; requestId?: string; name: string }
export interface Ranking {
  type: 'RANKING';
  requestId?: string;
  entries: { playerId: string; name: string; wins: number; losses: number; draws: number }[];
}
/** One finished match of the player, from the ledger; `at` (ms) when the ledger knows it. */
export interface HistoryEntry {
  matchId: string;
  opponentId: string;
  opponentName: string;
  result: 'won' | 'lost' | 'draw';
  reason: string;
  /** Tricks won: the player's, then the opponent's. */
  tricks: [number, number];
  at: number | null;
}
export interface Historico { type: 'HISTORICO'; requestId?: string; entries: HistoryEntry[] }
/**
 * One event of a replayed match. HAND_SET carries no cards (only how many); CARD_PLAYED
 * carries the card played, so a viewer learns a card only when it is played.
 */
export type ReplayEvent =
  | { seq: number; at: number; type: 'MATCH_START'; players: { id: string; name: string }[]; host: string; shadow: string | null }
  | { seq: number; at: number; type: 'HAND_SET'; playerId: string; count: number; source: string }
  | { seq: number; at: number; type: 'CARD_PLAYED'; playerId: string; card: Card; auto: boolean }
  | { seq: number; at: number; type: 'FORFEIT'; playerId: string; reason: string }
  | { seq: number; at: number; type: 'CHAT'; playerId: string; text: string }
  | { seq: number; at: number; type: 'FAILOVER'; oldHost: string; newHost: string; shadow: string | null }
  | { seq: number; at: number; type: 'ABORT'; reason: string };
export interface Replay {
  type: 'REPLAY';
  requestId?: string;
  matchId: string;
  /** The node that verified the log's signatures and served it. */
  node: string;
  players: { id: string; name: string }[];
  events: ReplayEvent[];
  /** Each event's narration (same order as `events`), for the viewer's captions. */
  narrations: (Narration | null)[];
}
/** The acknowledgement of a command whose effect arrives elsewhere (e.g. JOGAR → ATUALIZACAO_JOGO). */
/** `matchId` and `eventSeq`: for match commands (JOGAR, CHAT, PRONTO), the match it ran in and its event. */
export interface Ok { type: 'OK'; requestId: string; command: string; matchId?: string; eventSeq?: number }
/** `retryAfterMs`: with RATE_LIMITED, how long until the same command would be accepted. */
export interface Erro { type: 'ERRO'; requestId?: string; code: string; message: string; retryAfterMs?: number }

export type PlayerEvent =
  | BemVindo
  | AguardandoOponente
  | FilaCancelada
  | PartidaEncontrada
  | PacoteResultado
  | Mao
  | Colecao
  | TrocaProposta
  | TrocaEnviada
  | TrocaConcluida
  | TrocaRecusada
  | Pong
  | Perfil
  | Ranking
  | Historico
  | Replay
  | Ok
  | Erro;

export interface AtualizacaoJogo {
  type: 'ATUALIZACAO_JOGO';
  matchId: string;
  eventSeq: number;
  phase: Phase;
  round: number;
  turn: string | null;
  table: { playerId: string; card: Card }[];
  scores: Record<string, number>;
  handCounts: Record<string, number>;
  /** In Portuguese (docs/design.md §4); `narration` is the same as data, for the UI to translate. */
  message: string;
  narration?: Narration;
  host: string;
  /** Epoch of the host that published it (increments on failover). */
  epoch?: number;
  /** When the current turn's timer expires (ms since epoch, host clock), if any. */
  turnDeadline?: number | null;
  shadow?: string | null;
  players?: { id: string; name: string }[];
  lastTrick?: { round: number; leader: string; cards: { playerId: string; card: Card }[]; winnerId: string | null } | null;
  /** The event that produced this update (e.g. CARD_PLAYED, FAILOVER), for the UI's timeline. */
  lastEvent?: string;
}
/** `from` is the sender's playerId; `fromName` its display name. */
export interface ChatRecebido { type: 'CHAT_RECEBIDO'; matchId?: string; from: string; fromName?: string; text: string; eventSeq?: number }
export interface FimDeJogo {
  type: 'FIM_DE_JOGO';
  matchId: string;
  winnerId: string | null;
  winnerName: string | null;
  scores: Record<string, number>;
  reason: string;
}
export type MatchEvent = AtualizacaoJogo | ChatRecebido | FimDeJogo;

export interface ClusterStatus {
  clusterId: string;
  node: string;
  leader: string | null;
  term: number;
  peers: { id: string; address: string; mqttPort: number; alive: boolean; raftRole: string; matches?: number }[];
  stock: { total: number; remaining: number } | null;
  at: number;
}
