// What the rest of the node asks of matches: creation (matchmaking), a player's match
// commands and hands, the greeting, topic ACLs, and the log route. Every answer comes from
// the core (through the driver) or from the ledger's replica; nothing is kept here.
import { randomUUID } from 'node:crypto';
import type { Card } from '../../protocol/cards.ts';
import { playedMatchOf, type LedgerResult } from '../ledger/machine/index.ts';
import { stateHash, replay } from '../game/index.ts';
import { unwrapEvent, type SignedEvent } from './signing.ts';
import type { CreateMatchResult, MatchCreator, PlayerRef } from './contract.ts';
import { current, pickShadow, type PlayerMove } from './core/index.ts';
import type { MatchDriver } from './driver.ts';
import type { LedgerService } from '../ledger/service.ts';
import type { LedgerReplica } from '../ledger/replica.ts';
import type { MatchLogStore } from '../storage/match-log.ts';

/** A refusal with a code the player or the calling peer sees (ERRO / HTTP error body). */
export class MatchError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 409,
  ) {
    super(message);
  }
}

export interface PurchaseOutcome {
  cards: Card[];
  remaining: number | null;
}

export interface MatchLogView {
  matchId: string;
  role: string;
  epoch: number;
  host: string;
  shadow: string | null;
  eventSeq: number;
  stateHash: string;
  events: SignedEvent[];
}

export class MatchService implements MatchCreator {
  constructor(
    private readonly self: string,
    private readonly driver: MatchDriver,
    private readonly replica: LedgerReplica,
    private readonly ledger: LedgerService,
    private readonly store: MatchLogStore<SignedEvent>,
  ) {}

  // ---- MatchCreator -------------------------------------------------------------------------

  activeMatchOf(playerId: string): string | null {
    const state = this.replica.state;
    const id = state.players.get(playerId)?.activeMatchId;
    return id && state.matches.get(id)?.status === 'active' ? id : null;
  }

  pickShadow(exclude: string[]): string | null {
    return pickShadow(this.driver.core.matches.values(), this.driver.core.alive, [this.self, ...exclude]);
  }

  /** MATCH_CREATED through the ledger; the core then writes MATCH_START and seeds the shadow. */
  async createMatch(matchId: string, players: [PlayerRef, PlayerRef], shadow: string | null): Promise<CreateMatchResult> {
    const r = await this.submit({ type: 'MATCH_CREATED', matchId, players: [players[0].id, players[1].id], host: this.self, shadow, seed: randomUUID() });
    if (!r.ok) return { ok: false, code: r.code, message: r.message };
    const m = (r as Extract<LedgerResult<'MATCH_CREATED'>, { ok: true }>).match;
    if (m.host !== this.self) return { ok: false, code: 'MATCH_CONFLICT', message: `match ${matchId} is hosted by ${m.host}` };
    return { ok: true, matchId };
  }

  // ---- a player's commands ------------------------------------------------------------------

  async playerCommand(playerId: string, type: 'JOGAR' | 'CHAT' | 'FORFEIT', data: Record<string, unknown>, requestId: string): Promise<{ matchId: string; eventSeq: number }> {
    const move: PlayerMove = type === 'JOGAR' ? { type, cardId: String(data.cardId ?? '') } : type === 'CHAT' ? { type, text: String(data.text ?? '') } : { type, reason: String(data.reason ?? 'DESISTENCIA') };
    const a = await this.driver.ask((token) => ({ kind: 'command', token, playerId, requestId, move }));
    if (!a.ok) throw new MatchError(a.code, a.message);
    return { matchId: a.matchId, eventSeq: a.eventSeq };
  }

  /** The match whose hand a COMPRAR from this player should become, if any. */
  wantsPurchase(playerId: string): string | null {
    const id = this.activeMatchOf(playerId);
    const m = id ? this.replica.state.matches.get(id) : undefined;
    if (!m || m.hands[m.players.indexOf(playerId)] !== null) return null;
    const held = this.driver.core.match(m.matchId);
    return held && held.head.phase !== 'AGUARDANDO_COMPRA' ? null : m.matchId;
  }

  /**
   * COMPRAR or PRONTO inside a match awaiting hands: the ledger locks the hand (BUY_PACK with
   * the match, or MATCH_HAND), the host logs it from the ledger's record, and the answer
   * comes once this node shows that HAND_SET (its eventSeq with it).
   */
  async setHand(playerId: string, matchId: string, how: { type: 'COMPRAR'; requestId: string } | { type: 'PRONTO'; cardIds: string[] }): Promise<{ eventSeq: number | null; result: PurchaseOutcome }> {
    const m = this.replica.state.matches.get(matchId);
    if (how.type === 'PRONTO' && m && m.hands[m.players.indexOf(playerId)] !== null) {
      throw new MatchError('HAND_ALREADY_SET', 'your hand for this match is already set');
    }
    const r =
      how.type === 'COMPRAR'
        ? await this.submit({ type: 'BUY_PACK', requestId: how.requestId, playerId, matchId })
        : await this.submit({ type: 'MATCH_HAND', matchId, playerId, cardIds: how.cardIds });
    // (A retried COMPRAR is answered by the ledger itself: same requestId, same pack.)
    if (!r.ok) throw new MatchError(r.code, r.message);
    const ok = r as Extract<LedgerResult<'BUY_PACK' | 'MATCH_HAND'>, { ok: true }>;
    const result = { cards: ok.cards, remaining: 'remaining' in ok ? ok.remaining : null };
    const a = await this.driver.ask((token) => ({ kind: 'awaitHand', token, playerId, matchId }));
    // The ledger sold the pack even if the match ended first: the purchase stands.
    if (!a.ok && how.type === 'PRONTO') throw new MatchError(a.code, a.message);
    return { eventSeq: a.ok ? a.eventSeq : null, result };
  }

  private async submit(cmd: Parameters<LedgerService['submit']>[0]): Promise<LedgerResult> {
    try {
      return await this.ledger.submit(cmd);
    } catch (err) {
      throw new MatchError('UNAVAILABLE', (err as Error).message, 503);
    }
  }

  // ---- players (re)connecting ---------------------------------------------------------------

  /** A local player connected: the core attaches it to its match (MAO + latest view follow). */
  connected(playerId: string): string | undefined {
    const id = this.activeMatchOf(playerId);
    this.driver.step({ kind: 'connected', playerId, record: id ? this.driver.record(id) : null });
    return id ?? undefined;
  }

  disconnected(playerId: string): void {
    this.driver.step({ kind: 'disconnected', playerId });
  }

  onMatchSubscribed(playerId: string, matchId: string): void {
    this.driver.step({ kind: 'subscribed', playerId, matchId });
  }

  isInMatch(playerId: string, matchId: string): boolean {
    const m = this.driver.core.match(matchId);
    if (m && m.playerIds().includes(playerId)) return true;
    const state = this.replica.state;
    const r = state.matches.get(matchId);
    // A finished match the ledger no longer keeps is found in the player's history.
    return r ? r.players.includes(playerId) : playedMatchOf(state, playerId, matchId) !== null;
  }

  /** GET /game/:matchId/log: the log held here, or the one on disk once it left memory. */
  async log(matchId: string): Promise<MatchLogView> {
    const m = this.driver.core.match(matchId);
    if (m && m.seq > 0) {
      const cur = current(m)!;
      return { matchId, role: this.driver.core.role(m), epoch: m.head.epoch, host: cur.host, shadow: cur.shadow, eventSeq: m.seq, stateHash: stateHash(m.head), events: m.events.slice() };
    }
    const events = await this.store.read(matchId).catch(() => [] as SignedEvent[]);
    if (events.length === 0) throw new MatchError('NOT_FOUND', `node ${this.self} holds no match ${matchId}`, 404);
    let s;
    try {
      s = replay(events.map((e) => unwrapEvent(e)!));
    } catch (err) {
      throw new MatchError('CORRUPT_LOG', `the stored log of match ${matchId} does not replay: ${(err as Error).message}`, 500);
    }
    return { matchId, role: 'stored', epoch: s.epoch, host: s.host, shadow: s.shadow, eventSeq: s.eventSeq, stateHash: stateHash(s), events };
  }
}
