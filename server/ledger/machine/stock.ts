// The card catalogue of one cluster: every card that will ever exist, generated from the
// cluster id and the stock scale so every replica (and every snapshot reader) rebuilds the
// same one without shipping it. Cards live as small integers (their catalogue index);
// Card objects are only built when someone asks.
import {
  CARD_NAMES,
  CARDS_PER_NAME_PER_UNIT,
  CARDS_PER_UNIT,
  RARITIES,
  RARITY_RULES,
  SUITS,
  type Card,
  type Rarity,
} from '../../../protocol/cards.ts';
import { randomInt, seededRng } from './rng.ts';

/** Bump when generation changes: a snapshot names the version its catalogue came from. */
export const CATALOG_VERSION = 1;
export const MAX_STOCK_SCALE = 1000;

export interface Catalog {
  clusterId: string;
  stockScale: number;
  /** Card ids start with it: `<prefix>-<rarity>-<index>`. */
  prefix: string;
  total: number;
  /** Index into SUITS, per card. */
  suits: Uint8Array;
  values: Uint8Array;
  rarities: Uint8Array;
}

export function cardPrefix(clusterId: string): string {
  const p = clusterId.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 8);
  return p === '' ? 'trinca' : p;
}

/**
 * Layout: for each scale unit, for each name (docs/design.md §5 order), for each rarity C,U,R,L, the
 * rarity's `perName` cards. Value uniform in the rarity's range, suit uniform, both from
 * one PRNG seeded by the cluster id: different clusters get different stocks.
 */
export function buildCatalog(clusterId: string, stockScale: number): Catalog {
  if (!Number.isInteger(stockScale) || stockScale < 1 || stockScale > MAX_STOCK_SCALE) {
    throw new Error(`stockScale must be an integer in 1..${MAX_STOCK_SCALE}, got ${stockScale}`);
  }
  if (typeof clusterId !== 'string' || clusterId.length === 0) throw new Error('clusterId must be a non-empty string');
  const total = CARDS_PER_UNIT * stockScale;
  const suits = new Uint8Array(total);
  const values = new Uint8Array(total);
  const rarities = new Uint8Array(total);
  const rng = seededRng(`trinca-stock/v${CATALOG_VERSION}/${clusterId}`);
  let i = 0;
  for (let u = 0; u < stockScale; u++) {
    for (let n = 0; n < CARD_NAMES.length; n++) {
      for (let r = 0; r < RARITIES.length; r++) {
        const rule = RARITY_RULES[RARITIES[r]];
        const span = rule.maxValue - rule.minValue + 1;
        for (let k = 0; k < rule.perName; k++, i++) {
          values[i] = rule.minValue + randomInt(rng, span);
          suits[i] = randomInt(rng, SUITS.length);
          rarities[i] = r;
        }
      }
    }
  }
  return { clusterId, stockScale, prefix: cardPrefix(clusterId), total, suits, values, rarities };
}

export function rarityAt(cat: Catalog, index: number): Rarity {
  return RARITIES[cat.rarities[index]];
}

export function cardIdAt(cat: Catalog, index: number): string {
  return `${cat.prefix}-${rarityAt(cat, index)}-${index}`;
}

export function cardAt(cat: Catalog, index: number): Card {
  return {
    id: cardIdAt(cat, index),
    name: CARD_NAMES[Math.floor((index % CARDS_PER_UNIT) / CARDS_PER_NAME_PER_UNIT)],
    suit: SUITS[cat.suits[index]],
    value: cat.values[index],
    rarity: rarityAt(cat, index),
  };
}

/** Catalogue index of a card id, or -1 if no such card exists in this cluster. */
export function cardIndexOf(cat: Catalog, id: string): number {
  const dash = id.lastIndexOf('-');
  if (dash < 0) return -1;
  const tail = id.slice(dash + 1);
  if (!/^(0|[1-9][0-9]{0,8})$/.test(tail)) return -1;
  const index = Number(tail);
  if (index >= cat.total) return -1;
  return cardIdAt(cat, index) === id ? index : -1;
}

/** The full stock, per rarity, in catalogue order. */
export function initialStock(cat: Catalog): Record<Rarity, number[]> {
  const stock: Record<Rarity, number[]> = { C: [], U: [], R: [], L: [] };
  for (let i = 0; i < cat.total; i++) stock[rarityAt(cat, i)].push(i);
  return stock;
}
