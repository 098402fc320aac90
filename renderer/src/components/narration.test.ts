// The narration in both languages: every key, "you" and a name, plural and gender forms.
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import NarrationLine from './NarrationLine.vue';
import { createAppI18n, type Locale } from '../i18n/index.ts';
import { NARRATION_KEYS, type Narration } from '../../../protocol/narration.ts';
import type { Card } from '../../../protocol/cards.ts';

const sereia: Card = { id: 'c1', name: 'Sereia', suit: 'copas', value: 19, rarity: 'C' };
const dragao: Card = { id: 'c2', name: 'Dragão', suit: 'espadas', value: 101, rarity: 'L' };
const names = { me: 'Ana', bia: 'Bia' };

function render(locale: Locale, n: Narration, me: string | null = 'me'): string {
  const w = mount(NarrationLine, { props: { narration: n, me, names }, global: { plugins: [createAppI18n(locale)] } });
  return w.get('[data-testid="narration"]').text();
}

const play = (player: string, card: Card, auto = false) => ({ player, card, auto });

/** [narration, viewer, English, Portuguese] */
const CASES: [Narration, string | null, string, string][] = [
  [{ key: 'MATCH_CREATED', params: {} }, 'me', 'Match created: buy a pack or pick 5 cards.', 'Partida criada: comprem um pacote ou escolham 5 cartas.'],
  [{ key: 'HAND_SET', params: { player: 'bia' } }, 'me', 'Bia’s hand is ready.', 'A mão de Bia está pronta.'],
  [{ key: 'HAND_SET', params: { player: 'me' } }, 'me', 'Your hand is ready.', 'Sua mão está pronta.'],
  [{ key: 'HANDS_READY', params: { leader: 'me' } }, 'me', 'Hands ready! You lead.', 'Mãos prontas! Você começa.'],
  [{ key: 'HANDS_READY', params: { leader: 'bia' } }, 'me', 'Hands ready! Bia leads.', 'Mãos prontas! Bia começa.'],
  [{ key: 'CARD_PLAYED', params: { ...play('bia', sereia), next: 'me' } }, 'me', 'Bia played the Mermaid 19 of hearts. Your turn.', 'Bia jogou a Sereia 19 de copas. Sua vez.'],
  [{ key: 'CARD_PLAYED', params: { ...play('me', dragao), next: 'bia' } }, 'me', 'You played the Dragon 101 of spades. Bia’s turn.', 'Você jogou o Dragão 101 de espadas. Vez de Bia.'],
  // gender agreement of the card in Portuguese: "foi jogada" (a Sereia) / "foi jogado" (o Dragão)
  [{ key: 'CARD_PLAYED', params: { ...play('bia', sereia, true), next: 'me' } }, 'me', 'Bia’s time ran out: the Mermaid 19 of hearts was played. Your turn.', 'O tempo de Bia acabou: a Sereia 19 de copas foi jogada. Sua vez.'],
  [{ key: 'CARD_PLAYED', params: { ...play('me', dragao, true), next: 'bia' } }, 'me', 'Your time ran out: the Dragon 101 of spades was played for you. Bia’s turn.', 'Seu tempo acabou: o Dragão 101 de espadas foi jogado por você. Vez de Bia.'],
  [{ key: 'TRICK_WON', params: { ...play('me', dragao), round: 2, winner: 'me' } }, 'me', 'You played the Dragon 101 of spades. You won trick 2. Your turn.', 'Você jogou o Dragão 101 de espadas. Você venceu a rodada 2. Sua vez.'],
  [{ key: 'TRICK_TIED', params: { ...play('bia', sereia), round: 3, leader: 'me' } }, 'me', 'Bia played the Mermaid 19 of hearts. Trick 3 is a tie. Your turn.', 'Bia jogou a Sereia 19 de copas. A rodada 3 empatou. Sua vez.'],
  [
    { key: 'MATCH_WON', params: { ...play('bia', sereia), round: 5, trickWinner: 'bia', winner: 'me', won: 3, lost: 2 } },
    'me',
    'Bia played the Mermaid 19 of hearts. Bia won trick 5. Match over: you won, 3 tricks to 2.',
    'Bia jogou a Sereia 19 de copas. Bia venceu a rodada 5. Fim de jogo: você venceu com 3 vazas contra 2.',
  ],
  // plural: one trick
  [
    { key: 'MATCH_WON', params: { ...play('me', dragao), round: 5, trickWinner: null, winner: 'bia', won: 1, lost: 0 } },
    'me',
    'You played the Dragon 101 of spades. Trick 5 is a tie. Match over: Bia won, 1 trick to 0.',
    'Você jogou o Dragão 101 de espadas. A rodada 5 empatou. Fim de jogo: Bia venceu com 1 vaza contra 0.',
  ],
  [
    { key: 'MATCH_DRAW', params: { ...play('me', dragao), round: 5, trickWinner: 'me', tricks: 2 } },
    'me',
    'You played the Dragon 101 of spades. You won trick 5. Match over: a draw, 2 tricks each.',
    'Você jogou o Dragão 101 de espadas. Você venceu a rodada 5. Fim de jogo: empate, 2 vazas para cada um.',
  ],
  // plural: none
  [
    { key: 'MATCH_DRAW', params: { ...play('bia', sereia), round: 5, trickWinner: null, tricks: 0 } },
    'me',
    'Bia played the Mermaid 19 of hearts. Trick 5 is a tie. Match over: a draw, no tricks each.',
    'Bia jogou a Sereia 19 de copas. A rodada 5 empatou. Fim de jogo: empate, nenhuma vaza para cada um.',
  ],
  [{ key: 'FORFEIT', params: { player: 'me', reason: 'DESISTENCIA', winner: 'bia' } }, 'me', 'You conceded. Bia wins.', 'Você desistiu. Bia venceu.'],
  [{ key: 'FORFEIT', params: { player: 'bia', reason: 'DESCONECTADO', winner: 'me' } }, 'me', 'Bia was disconnected too long. You win.', 'Bia perdeu a conexão por tempo demais. Você venceu.'],
  [{ key: 'FORFEIT', params: { player: 'bia', reason: 'SEM_MAO', winner: 'me' } }, 'me', 'Bia did not get a hand in time. You win.', 'Bia não escolheu uma mão a tempo. Você venceu.'],
  [{ key: 'FORFEIT', params: { player: 'bia', reason: 'XYZ', winner: 'me' } }, 'me', 'Bia left the match (XYZ). You win.', 'Bia saiu da partida (XYZ). Você venceu.'],
  [{ key: 'FAILOVER', params: { from: 'p1', to: 'p2', shadow: 'p3' } }, 'me', 'Server p1 stopped: the match moved to the reserve server p2.', 'O servidor p1 parou: a partida foi movida para o servidor reserva p2.'],
  [{ key: 'SHADOW_CHANGED', params: { shadow: 'p3' } }, 'me', 'New reserve server: p3.', 'Novo servidor reserva: p3.'],
  [{ key: 'SHADOW_CHANGED', params: { shadow: null } }, 'me', 'No reserve server is left.', 'Nenhum servidor reserva disponível.'],
  [{ key: 'ABORT', params: { reason: 'ESTOQUE_ESGOTADO' } }, 'me', 'The match ended without a winner (no cards left for a hand (stock sold out)).', 'Partida encerrada sem vencedor (sem cartas para uma mão (estoque esgotado)).'],
  // a spectator of the replay who is neither player (no "you")
  [{ key: 'HANDS_READY', params: { leader: 'me' } }, null, 'Hands ready! Ana leads.', 'Mãos prontas! Ana começa.'],
];

describe('narration rendering', () => {
  it('covers every narration key', () => {
    expect([...new Set(CASES.map(([n]) => n.key))].sort()).toEqual([...NARRATION_KEYS].sort());
  });

  for (const [n, me, en, pt] of CASES) {
    it(`${n.key} ${JSON.stringify(n.params).slice(0, 60)}`, () => {
      expect(render('en', n, me)).toBe(en);
      expect(render('pt', n, me)).toBe(pt);
    });
  }

  it('never shows Portuguese in English, nor raw ids or placeholders', () => {
    for (const [n, me] of CASES) {
      const text = render('en', n, me);
      expect(text).not.toMatch(/ jogou | venceu|rodada|Vez de|espadas|copas|Sereia|Dragão|\{|undefined/);
    }
  });
});
