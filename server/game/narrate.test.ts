import { describe, it, expect } from 'vitest';
import { NARRATION_KEYS, type Narration } from '../../protocol/narration.ts';
import type { Card } from '../../protocol/cards.ts';
import { narrate } from './narrate.ts';
import { initialState, replay, publicView, stateHash } from './index.ts';

const card: Card = { id: 'c1', name: 'Sereia', suit: 'copas', value: 19, rarity: 'C' };
const players = [
  { id: 'ana', name: 'Ana' },
  { id: 'bia', name: 'Bia' },
];
const play = { player: 'ana', card, auto: false };

export const SAMPLES: Narration[] = [
  { key: 'MATCH_CREATED', params: {} },
  { key: 'HAND_SET', params: { player: 'ana' } },
  { key: 'HANDS_READY', params: { leader: 'bia' } },
  { key: 'CARD_PLAYED', params: { ...play, next: 'bia' } },
  { key: 'TRICK_WON', params: { ...play, round: 2, winner: 'bia' } },
  { key: 'TRICK_TIED', params: { ...play, round: 2, leader: 'bia' } },
  { key: 'MATCH_WON', params: { ...play, round: 5, trickWinner: 'ana', winner: 'ana', won: 3, lost: 2 } },
  { key: 'MATCH_DRAW', params: { ...play, round: 5, trickWinner: null, tricks: 2 } },
  { key: 'FORFEIT', params: { player: 'bia', reason: 'DESISTENCIA', winner: 'ana' } },
  { key: 'FAILOVER', params: { from: 'p1', to: 'p2', shadow: 'p3' } },
  { key: 'SHADOW_CHANGED', params: { shadow: null } },
  { key: 'ABORT', params: { reason: 'ESTOQUE_ESGOTADO' } },
];

describe('narrate (the Portuguese message from narration data)', () => {
  it('has a sentence for every key, naming players by name', () => {
    expect(SAMPLES.map((n) => n.key).sort()).toEqual([...NARRATION_KEYS].sort());
    for (const n of SAMPLES) {
      const text = narrate(n, players);
      expect(text.length, n.key).toBeGreaterThan(5);
      expect(text, n.key).not.toMatch(/\bana\b|\bbia\b|undefined|\[object/);
    }
    expect(narrate(SAMPLES[1], players)).toBe('A mão de Ana está pronta.');
    expect(narrate(SAMPLES[3], players)).toBe('Ana jogou Sereia 19 de copas. Vez de Bia.');
    expect(narrate(SAMPLES[7], players)).toMatch(/empate, 2 vazas para cada um/);
    expect(narrate(SAMPLES[9], players)).toMatch(/servidor reserva \(p2\)/);
  });

  it('keeps the state free of sentences: the hash covers the narration data', () => {
    const s = replay([
      { seq: 1, at: 1, type: 'MATCH_START', matchId: 'm', players: [players[0], players[1]], seed: 's', host: 'p1', shadow: 'p2', epoch: 1 },
      { seq: 2, at: 2, type: 'HAND_SET', playerId: 'ana', cards: [card, { ...card, id: 'c2' }, { ...card, id: 'c3' }, { ...card, id: 'c4' }, { ...card, id: 'c5' }], source: 'PACK' },
    ], initialState());
    expect(JSON.stringify(s)).not.toMatch(/pronta|Partida/);
    expect(publicView(s)).toMatchObject({ narration: { key: 'HAND_SET', params: { player: 'ana' } }, message: 'A mão de Ana está pronta.' });
    expect(stateHash({ ...s, narration: { key: 'HAND_SET', params: { player: 'bia' } } })).not.toBe(stateHash(s));
  });
});
