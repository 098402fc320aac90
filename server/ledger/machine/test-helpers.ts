// Shared fixtures for the ledger's unit tests (not part of the public API).
import { applyCommand } from './apply.ts';
import type { LedgerCommand, LedgerResult } from './commands.ts';
import { encodeInts } from './intcodec.ts';
import { createLedger, type LedgerState } from './state.ts';

export const MEMBERS = [
  { id: 'n1', address: 'http://127.0.0.1:8081', mqttPort: 1884, voter: true },
  { id: 'n2', address: 'http://127.0.0.1:8082', mqttPort: 1885, voter: true },
  { id: 'n3', address: 'http://127.0.0.1:8083', mqttPort: 1886, voter: true },
];

/** A ledger plus an auto-incrementing log index, like a Raft driver would feed it. */
export class Harness {
  readonly state: LedgerState;
  index = 0;
  constructor(clusterId = 'cluster-test-0001', stockScale = 1) {
    this.state = createLedger({ clusterId, stockScale, members: MEMBERS });
  }
  apply<C extends LedgerCommand>(cmd: C): LedgerResult<C['type']>;
  apply(cmd: unknown): LedgerResult;
  apply(cmd: unknown): LedgerResult {
    this.index += 1;
    return applyCommand(this.state, cmd, { index: this.index, term: 1 });
  }
  register(playerId: string, name = playerId, tokenHash = `h-${playerId}`) {
    const r = this.apply({ type: 'REGISTER_PLAYER', playerId, name, tokenHash });
    if (!r.ok) throw new Error(r.message);
    return r;
  }
  buy(playerId: string, requestId: string, matchId?: string) {
    const r = this.apply({ type: 'BUY_PACK', requestId, playerId, ...(matchId ? { matchId } : {}) });
    if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
    return r;
  }
  createMatch(matchId: string, a: string, b: string) {
    const r = this.apply({ type: 'MATCH_CREATED', matchId, players: [a, b], host: 'n1', shadow: 'n2', seed: `seed-${matchId}` });
    if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
    return r;
  }
}

export function expectCode(r: LedgerResult, code: string): void {
  if (r.ok || r.code !== code) throw new Error(`expected ${code}, got ${JSON.stringify(r).slice(0, 200)}`);
}

/**
 * A snapshot as version 3 wrote it (the format before the retention bounds): the tests of
 * in-place upgrades load these. Pass extra records to stand for what version 3 had kept.
 */
export function serializeLedgerV3(state: LedgerState) {
  return {
    v: 3 as 1 | 2 | 3,
    catalogVersion: 1,
    clusterId: state.clusterId,
    stockScale: state.stockScale,
    lastApplied: state.lastApplied,
    lastAppliedTerm: state.lastAppliedTerm,
    sold: state.sold,
    stock: { C: encodeInts(state.stock.C), U: encodeInts(state.stock.U), R: encodeInts(state.stock.R), L: encodeInts(state.stock.L) },
    members: [...state.members.values()].map((m) => ({ ...m })),
    players: [...state.players.values()].map((p) => [p.id, p.name, p.tokenHash, p.wins, p.losses, p.draws, p.activeMatchId, p.registeredAt, encodeInts([...p.cards])]),
    purchases: [...state.purchases.values()].map((p) => [p.requestId, p.playerId, p.index, p.remaining, p.matchId, [...p.cards]]),
    trades: [...state.trades.values()].map((t) => [t.tradeId, t.fromPlayerId, t.toPlayerId, t.offerCard, t.wantCard, t.index]),
    offers: [...state.offers.values()].map((o) => [o.tradeId, o.fromPlayerId, o.toPlayerId, o.offerCard, o.wantCard, o.status, o.reason, o.createdAt, o.closedAt]),
    matches: [...state.matches.values()].map((m) => ({ ...m, players: [...m.players], hands: m.hands.map((h) => (h ? [...h] : null)), result: m.result ? { ...m.result, scores: [...m.result.scores] } : null })),
    history: [...state.history.entries()].map(([id, list]) => [id, list.map((h) => [h.matchId, h.opponentId, h.result, h.reason, h.tricks[0], h.tricks[1], h.at])]) as unknown[] | undefined,
  } as Record<string, unknown> & { offers: unknown[][]; purchases: unknown[][]; matches: Record<string, unknown>[]; history?: unknown[] };
}
