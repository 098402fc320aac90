// The vocabulary of the match replication core: what goes in (inputs), what comes out (one
// Ready batch), the ledger's record of a match as the core sees it, and the peer messages.
// Plain data only: the simulator and the real driver feed the same inputs.
import type { Card } from '../../../protocol/cards.ts';
import type { HandSource, MatchEvent, MatchPlayer, MatchState } from '../../game/index.ts';
import type { SignedEvent } from '../signing.ts';

/** The ledger's match record (docs/design.md §6), the one source of host, shadow, epoch and locked hands. */
export interface MatchRecord {
  matchId: string;
  players: [MatchPlayer, MatchPlayer];
  host: string;
  shadow: string | null;
  epoch: number;
  status: 'active' | 'finished';
  seed: string;
  /** Cards the ledger locked as each player's hand (null until set). */
  hands: Record<string, Card[] | null>;
  /** How each locked hand was had, where the ledger entry said so. */
  handSources: Record<string, HandSource>;
}

/** A player's match command as the core runs it (from a local player or forwarded by a peer). */
export type PlayerMove =
  | { type: 'JOGAR'; cardId: string }
  | { type: 'CHAT'; text: string }
  | { type: 'FORFEIT'; reason: string };

// ---- peer messages (each maps onto one REST endpoint of docs/protocol.md) ------------------

export type PeerRequest =
  /** POST /game/start: the whole log, to a node that shadows the match from now on. */
  | { type: 'start'; matchId: string; epoch: number; host: string; shadow: string | null; players: MatchPlayer[]; events: SignedEvent[] }
  /** POST /game/replicate. */
  | { type: 'replicate'; matchId: string; epoch: number; fromSeq: number; events: SignedEvent[]; stateHash: string }
  /** POST /game/event: a player's command forwarded to the host, or ATTACH (a watcher asks for pushes from `fromSeq`). */
  | { type: 'command'; matchId: string; epoch: number; playerId: string; requestId: string; move: PlayerMove | { type: 'ATTACH'; fromSeq: number } }
  /** POST /game/notify: committed events pushed to a watcher. */
  | { type: 'notify'; matchId: string; epoch: number; fromSeq: number; events: SignedEvent[] }
  /** POST /game/presence: players of the receiver's matches connected to the sender. */
  | { type: 'presence'; players: string[] }
  /** GET /game/:matchId/log: a node catching up asks a peer for its copy. */
  | { type: 'log'; matchId: string };

export type PeerReply =
  | { ok: true; eventSeq: number; events?: SignedEvent[]; epoch?: number }
  | { ok: false; code: string; message: string; status: number; events?: SignedEvent[] };

// ---- inputs -----------------------------------------------------------------------------------

export type CoreInput =
  /** Time passed (every input carries the time, ms since the epoch: stamped into events, compared by timers). */
  | { kind: 'tick' }
  /** The ledger's record of a match changed (or is known for the first time). */
  | { kind: 'record'; record: MatchRecord }
  /** The log this node kept on disk for a match, read at start-up (before its record). */
  | { kind: 'loaded'; matchId: string; events: SignedEvent[] }
  /** An append (or rewrite) the core asked for is durable. */
  | { kind: 'durable'; matchId: string; gen: number; eventSeq: number }
  /** A local player's match command; answered with `token`. */
  | { kind: 'command'; token: number; playerId: string; requestId: string; move: PlayerMove }
  /** A local player whose hand the ledger is locking: answered once HAND_SET is in the log. */
  | { kind: 'awaitHand'; token: number; playerId: string; matchId: string }
  /** A peer's request; answered with `token` in `replies`. */
  | { kind: 'peer'; token: number; from: string; request: PeerRequest }
  /** The answer to a request this core sent (`id` from `Ready.messages`). */
  | { kind: 'reply'; id: number; reply: PeerReply }
  /** A local player connected (with its active match's record, if any) or left. */
  | { kind: 'connected'; playerId: string; record: MatchRecord | null }
  | { kind: 'disconnected'; playerId: string }
  /** A local player subscribed to a match topic: it gets the current state again. */
  | { kind: 'subscribed'; playerId: string; matchId: string }
  /** The driver's failure detector (silence, then a failed probe) and the member list. */
  | { kind: 'peers'; alive: string[] };

// ---- outputs ----------------------------------------------------------------------------------

export type Publish =
  | { to: 'player'; playerId: string; event: PlayerPublish }
  | { to: 'match'; matchId: string; event: MatchPublish };

/** Events for one player's private topic (shapes of protocol/events.ts, built in publish.ts). */
export type PlayerPublish = Record<string, unknown> & { type: 'MAO' | 'PARTIDA_ENCONTRADA' };
export type MatchPublish = Record<string, unknown> & { type: 'ATUALIZACAO_JOGO' | 'CHAT_RECEBIDO' | 'FIM_DE_JOGO' };

export type Answer =
  | { token: number; ok: true; matchId: string; eventSeq: number }
  | { token: number; ok: false; code: string; message: string };

/** A ledger command the core wants proposed (outcome comes back as a `record`). */
export type Proposal =
  | { type: 'MATCH_FAILOVER'; matchId: string; expectedEpoch: number; host: string; shadow: string | null }
  | { type: 'MATCH_FINISHED'; matchId: string; winnerId: string | null; reason: string; scores: Record<string, number>; epoch: number; at: number };

export interface Append {
  matchId: string;
  /** The log's generation: bumped when the whole log is replaced. */
  gen: number;
  events: SignedEvent[];
  /** Replace the stored log with `events` instead of appending. */
  rewrite: boolean;
}

export interface Ready {
  appends: Append[];
  messages: { id: number; to: string; request: PeerRequest }[];
  replies: { token: number; reply: PeerReply }[];
  publishes: Publish[];
  proposals: Proposal[];
  answers: Answer[];
  /** Matches this node no longer holds: their files may be closed. */
  released: string[];
}

export function emptyReady(): Ready {
  return { appends: [], messages: [], replies: [], publishes: [], proposals: [], answers: [], released: [] };
}

export interface CoreTiming {
  turnMs: number;
  disconnectForfeitMs: number;
  /** How long a forwarded command keeps being retried before the player is told. */
  commandDeadlineMs: number;
  /** A finished match stays in memory this long (late subscribers, retries). */
  lingerMs: number;
}

export interface CoreDeps {
  self: string;
  timing: CoreTiming;
  sign(event: MatchEvent, matchId: string, epoch: number, requestId?: string): SignedEvent;
  verify(event: SignedEvent): boolean;
  hash(state: MatchState): string;
}
