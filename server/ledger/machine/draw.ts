// Pack draws: rarity by odds, fallback when a rarity is sold out, then a card of it.
import { PACK_SIZE, RARITIES, RARITY_RULES, type Rarity } from '../../../protocol/cards.ts';
import { randomInt, type Rng } from './rng.ts';

/** Maps a roll in [0, 100) to a rarity: C [0,70), U [70,90), R [90,99), L [99,100). */
export function rarityForRoll(roll: number): Rarity {
  let acc = 0;
  for (const r of RARITIES) {
    acc += RARITY_RULES[r].odds;
    if (roll < acc) return r;
  }
  return RARITIES[RARITIES.length - 1];
}

/**
 * The rarity actually drawn when `picked` may be sold out: `picked` itself, else the next
 * lower one (L→R→U→C), else — nothing lower is left — the next higher one. So a pack is
 * never worse than the odds promise while lower cards exist, and the stock is always
 * drained to the last card. Null only when the whole stock is empty.
 */
export function availableRarity(stock: Record<Rarity, number[]>, picked: Rarity): Rarity | null {
  const p = RARITIES.indexOf(picked);
  for (let i = p; i >= 0; i--) if (stock[RARITIES[i]].length > 0) return RARITIES[i];
  for (let i = p + 1; i < RARITIES.length; i++) if (stock[RARITIES[i]].length > 0) return RARITIES[i];
  return null;
}

/**
 * Removes PACK_SIZE cards from `stock` (swap-remove: O(1) per card) and returns them.
 * The caller has checked that at least PACK_SIZE cards remain.
 */
export function drawPack(stock: Record<Rarity, number[]>, rng: Rng): number[] {
  const cards: number[] = [];
  for (let k = 0; k < PACK_SIZE; k++) {
    const rarity = availableRarity(stock, rarityForRoll(rng() * 100));
    if (rarity === null) throw new Error('drawPack: stock exhausted (caller must check first)');
    const pile = stock[rarity];
    const at = randomInt(rng, pile.length);
    cards.push(pile[at]);
    pile[at] = pile[pile.length - 1];
    pile.pop();
  }
  return cards;
}
