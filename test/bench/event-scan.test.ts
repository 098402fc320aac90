// bench/event-scan.ts reads the fields a bench bot acts on straight from an event's bytes: it
// must agree with JSON.parse on every field it returns, whatever the key order, nesting or
// escapes, and refuse what is not a JSON object.
import { describe, it, expect } from 'vitest';
import { EventScan } from '../../bench/event-scan.ts';

const card = (id: string) => ({ id, name: 'Ás de "copas"', suit: 'copas', rank: 1, power: { id: 'nested', turn: 'x' } });
const update = {
  type: 'ATUALIZACAO_JOGO',
  matchId: 'm-1',
  eventSeq: 12,
  phase: 'JOGANDO',
  round: 2,
  turn: 'p-2',
  table: [{ playerId: 'p-1', card: card('c9') }],
  scores: { 'p-1': 1, 'p-2': 0 },
  message: 'p-1 jogou "Ás", "turn":"evil" \\ ',
  narration: { key: 'CARD_PLAYED', params: { player: 'p-1', card: card('c9'), next: 'p-2' } },
  host: 'n1',
  shadow: 'n2',
  players: [{ id: 'p-1', name: 'a' }],
  lastTrick: null,
};

function scan(v: unknown): EventScan | null {
  const f = new EventScan();
  const b = Buffer.from(`xx${typeof v === 'string' ? v : JSON.stringify(v)}yy`);
  return f.read(b, 2, b.length - 2) ? f : null;
}

describe('EventScan', () => {
  it('reads an update up to its turn, skipping nested values and strings that look like keys', () => {
    const f = scan(update)!;
    expect([f.type, f.matchId, f.eventSeq, f.phase, f.turn]).toEqual(['ATUALIZACAO_JOGO', 'm-1', 12, 'JOGANDO', 'p-2']);
    expect(f.host).toBe(''); // not wanted for an update: the walk stopped at `turn`
  });

  it('reads the fields wherever the type comes, and a null turn', () => {
    const { type, ...rest } = update;
    const f = scan({ ...rest, turn: null, type })!;
    expect([f.type, f.matchId, f.eventSeq, f.phase, f.turn]).toEqual([type, 'm-1', 12, 'JOGANDO', null]);
  });

  it('reads hands, packs, replies and matches found', () => {
    const mao = scan({ type: 'MAO', matchId: 'm-1', hand: [card('a'), card('b\\"c')], eventSeq: 3 })!;
    expect(mao.ids).toEqual(['a', 'b\\"c']);
    const pack = scan({ type: 'PACOTE_RESULTADO', requestId: 'q41', cards: [card('x')], remaining: 3 })!;
    expect([pack.requestNo, pack.ids]).toEqual([41, ['x']]);
    const err = scan({ requestId: 'q7', type: 'ERRO', code: 'NOT_YOUR_TURN', message: 'no' })!;
    expect([err.type, err.requestNo, err.code]).toEqual(['ERRO', 7, 'NOT_YOUR_TURN']);
    expect(scan({ type: 'OK', requestId: 'r7' })!.requestNo).toBe(0); // not a bot's q<n>
    const found = scan({ type: 'PARTIDA_ENCONTRADA', matchId: 'm-2', opponentId: 'o', host: 'n3', shadow: 'n1' })!;
    expect([found.matchId, found.host, found.shadow]).toEqual(['m-2', 'n3', 'n1']);
    expect(scan('{ "type" : "FIM_DE_JOGO" ,\n "matchId":"m-3" }')!.matchId).toBe('m-3');
  });

  it('refuses what is not a JSON object', () => {
    for (const bad of ['', 'null', '[1]', '{"type":"MAO"', '{"type":"MAO","matchId":"m', '{"type":"X","eventSeq":}', '{"type" "X"}', 'not json']) expect(scan(bad)).toBeNull();
    expect(scan('{"type":"ATUALIZACAO_JOGO","matchId":"m","eventSeq":-1}')).toBeNull();
  });
});
