// Small pure rules: card order, trick winner, first leader, labels.
import { compareCards, type Card } from '../../protocol/cards.ts';
import { hash128 } from '../ledger/machine/rng.ts';
import type { MatchPlayer, PlayedCard } from './types.ts';

/**
 * The card the turn timer plays: lowest value, then weakest suit, then smallest id (so
 * the choice is total and every replica picks the same card). null for an empty hand.
 */
export function lowestCard(hand: readonly Card[]): Card | null {
  let best: Card | null = null;
  for (const c of hand) {
    if (best === null) best = c;
    else {
      const d = compareCards(c, best);
      if (d < 0 || (d === 0 && c.id < best.id)) best = c;
    }
  }
  return best;
}

/**
 * Winner of a complete trick: higher value, then suit (espadas > copas > ouros > paus).
 * Two distinct cards can share value and suit; then nobody wins the trick (null).
 */
export function trickWinner(lead: PlayedCard, follow: PlayedCard): string | null {
  const d = compareCards(lead.card, follow.card);
  return d > 0 ? lead.playerId : d < 0 ? follow.playerId : null;
}

/** The first leader, drawn from the match seed so host, shadow and replays agree. */
export function firstLeader(seed: string, players: readonly [MatchPlayer, MatchPlayer]): string {
  return players[hash128(`leader/${seed}`)[0] & 1].id;
}

export function cardLabel(c: Card): string {
  return `${c.name} ${c.value} de ${c.suit}`;
}
