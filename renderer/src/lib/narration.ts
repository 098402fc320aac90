// Renders a match narration ({key, params}, protocol/narration.ts) in the player's language:
// "you" or the player's name (person), the card's grammatical gender (Portuguese articles and
// agreement: "o Dragão … foi jogado", "a Sereia … foi jogada") and plural forms (vue-i18n
// pluralization: "1 trick", "2 tricks").
import type { Card } from '../../../protocol/cards.ts';
import type { Narration } from '../../../protocol/narration.ts';

/** The parts of vue-i18n's composer this needs (so stores and tests can pass any composer). */
export interface Translator {
  t(key: string, named?: Record<string, unknown>): string;
  t(key: string, named: Record<string, unknown>, plural: number): string;
  te(key: string): boolean;
}

export interface NarrationContext {
  /** The viewing player's id: "you" instead of a name. */
  me: string | null;
  /** Display name per player id. */
  names: Record<string, string>;
}

type Gender = 'm' | 'f';

/** The card's name in the current language (the catalogue's names are Portuguese). */
export function cardName(i18n: Translator, name: string): string {
  return i18n.te(`cardName.${name}`) ? i18n.t(`cardName.${name}`) : name;
}

function gender(i18n: Translator, name: string): Gender {
  return i18n.te(`cardGender.${name}`) && i18n.t(`cardGender.${name}`) === 'f' ? 'f' : 'm';
}

/** "the Mermaid 19 of hearts" / "a Sereia 19 de copas". */
export function cardPhrase(i18n: Translator, c: Card): string {
  return i18n.t(`narr.card.${gender(i18n, c.name)}`, { name: cardName(i18n, c.name), value: c.value, suit: i18n.t(`suit.${c.suit}`) });
}

export function renderNarration(i18n: Translator, n: Narration, ctx: NarrationContext): string {
  const { t, te } = i18n;
  const person = (id: string | null) => (id !== null && id === ctx.me ? 'me' : 'other');
  const name = (id: string | null) => (id === null ? '?' : (ctx.names[id] ?? '?'));
  const who = (base: string, id: string | null, extra: Record<string, unknown> = {}) => t(`narr.${base}.${person(id)}`, { name: name(id), ...extra });
  const played = (p: { player: string; card: Card; auto: boolean }) =>
    p.auto
      ? t(`narr.auto.${person(p.player)}.${gender(i18n, p.card.name)}`, { name: name(p.player), card: cardPhrase(i18n, p.card) })
      : who('played', p.player, { card: cardPhrase(i18n, p.card) });
  const tricks = (n: number) => t('narr.tricks', { n }, n);
  const reason = (r: string) => (te(`end.reasons.${r}`) ? t(`end.reasons.${r}`) : r);
  const closed = (p: { round: number; trickWinner: string | null }) =>
    p.trickWinner === null ? t('narr.trickTied', { round: p.round }) : who('trickWon', p.trickWinner, { round: p.round });
  switch (n.key) {
    case 'MATCH_CREATED':
      return t('narr.created');
    case 'HAND_SET':
      return who('handSet', n.params.player);
    case 'HANDS_READY':
      return who('handsReady', n.params.leader);
    case 'CARD_PLAYED':
      return `${played(n.params)} ${who('next', n.params.next)}`;
    case 'TRICK_WON':
      return `${played(n.params)} ${who('trickWon', n.params.winner, { round: n.params.round })} ${who('next', n.params.winner)}`;
    case 'TRICK_TIED':
      return `${played(n.params)} ${t('narr.trickTied', { round: n.params.round })} ${who('next', n.params.leader)}`;
    case 'MATCH_WON':
      return `${played(n.params)} ${closed(n.params)} ${who('matchWon', n.params.winner, { won: tricks(n.params.won), lost: n.params.lost })}`;
    case 'MATCH_DRAW':
      return `${played(n.params)} ${closed(n.params)} ${t('narr.matchDraw', { each: tricks(n.params.tricks) })}`;
    case 'FORFEIT': {
      const key = te(`narr.forfeit.${n.params.reason}.me`) ? n.params.reason : 'other';
      return `${who(`forfeit.${key}`, n.params.player, { reason: reason(n.params.reason) })} ${who('winner', n.params.winner)}`;
    }
    case 'FAILOVER':
      return t('narr.failover', { from: n.params.from, to: n.params.to });
    case 'SHADOW_CHANGED':
      return n.params.shadow ? t('narr.shadow', { shadow: n.params.shadow }) : t('narr.noShadow');
    case 'ABORT':
      return t('narr.abort', { reason: reason(n.params.reason) });
  }
  return '';
}
