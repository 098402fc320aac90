import { describe, it, expect } from 'vitest';
import type { Card } from '../../protocol/cards.ts';
import { applyEvent, initialState, replayView, validateCommand, type MatchCommand, type MatchEvent, type MatchState } from './index.ts';

const card = (id: string, value: number): Card => ({ id, name: 'Lobo', suit: 'paus', value, rarity: 'C' });

function game(): MatchEvent[] {
  let s: MatchState = initialState();
  const log: MatchEvent[] = [];
  const push = (e: MatchEvent) => {
    const r = applyEvent(s, e);
    if (!r.ok) throw new Error(r.message);
    s = r.state;
    log.push(e);
  };
  const cmd = (p: string, c: MatchCommand) => {
    const r = validateCommand(s, p, c, 1000 + log.length);
    if (!r.ok) throw new Error(r.message);
    push(r.event);
  };
  push({ seq: 1, at: 1, type: 'MATCH_START', matchId: 'm', players: [{ id: 'ana', name: 'Ana' }, { id: 'bia', name: 'Bia' }], seed: 's', host: 'n1', shadow: 'n2', epoch: 1 });
  cmd('ana', { type: 'SET_HAND', cards: [1, 2, 3, 4, 5].map((v) => card(`a${v}`, v)), source: 'PACK' });
  cmd('bia', { type: 'SET_HAND', cards: [1, 2, 3, 4, 5].map((v) => card(`b${v}`, v + 10)), source: 'PRONTO' });
  cmd(s.turn!, { type: 'PLAY', cardId: s.turn === 'ana' ? 'a1' : 'b1' });
  cmd(s.turn!, { type: 'CHAT', text: 'hi' });
  cmd(s.turn!, { type: 'PLAY', cardId: s.turn === 'ana' ? 'a1' : 'b1' });
  cmd('ana', { type: 'FORFEIT', reason: 'DESISTENCIA' });
  return log;
}

describe('replayView', () => {
  it('hides every card until it is played, and narrates each step', () => {
    const v = replayView(game());
    const text = JSON.stringify(v.events);
    for (const id of ['a2', 'a3', 'a4', 'a5', 'b2', 'b3', 'b4', 'b5']) expect(text).not.toContain(`"${id}"`);
    expect(v.events.filter((e) => e.type === 'HAND_SET')).toEqual([
      expect.objectContaining({ playerId: 'ana', count: 5 }),
      expect.objectContaining({ playerId: 'bia', count: 5 }),
    ]);
    const played = v.events.flatMap((e) => (e.type === 'CARD_PLAYED' ? [e.card.id] : []));
    expect(played.sort()).toEqual(['a1', 'b1']);
    expect(v.narrations.map((n) => n?.key ?? null)).toEqual(['MATCH_CREATED', 'HAND_SET', 'HANDS_READY', 'CARD_PLAYED', null, 'TRICK_WON', 'FORFEIT']);
    expect(v.players.map((p) => p.name)).toEqual(['Ana', 'Bia']);
  });

  it('refuses a log that does not replay', () => {
    const log = game();
    expect(() => replayView([log[0], log[2]])).toThrow(/does not replay/);
  });
});
