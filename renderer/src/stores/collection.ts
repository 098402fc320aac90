// The player's cards (COLECAO), pack purchases (COMPRAR → PACOTE_RESULTADO) and the pack
// being opened on screen.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { Card } from '../../../protocol/cards.ts';
import { byRarityThenValue } from '../lib/cards.ts';
import { CommandFailed, type IncomingEvent } from '../lib/protocol.ts';
import { useConnectionStore } from './connection.ts';

export const useCollectionStore = defineStore('collection', () => {
  const connection = useConnectionStore();
  const cards = ref<Card[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const buying = ref(false);
  /** The last pack bought, shown by the opening animation until dismissed. */
  const openedPack = ref<Card[] | null>(null);
  const stockRemaining = ref<number | null>(null);
  const error = ref<string | null>(null);

  /** The cards to show: the pack being opened joins them once added (the reveal is not spoiled). */
  const visible = computed(() => {
    const opening = new Set((openedPack.value ?? []).map((c) => c.id));
    return [...cards.value].filter((c) => !opening.has(c.id)).sort(byRarityThenValue);
  });
  const sorted = computed(() => [...cards.value].sort(byRarityThenValue));
  const countByRarity = computed(() => {
    const out: Record<string, number> = { C: 0, U: 0, R: 0, L: 0 };
    for (const c of cards.value) out[c.rarity]++;
    return out;
  });

  function merge(list: Card[]): void {
    const byId = new Map(cards.value.map((c) => [c.id, c]));
    for (const c of list) byId.set(c.id, c);
    cards.value = [...byId.values()];
  }

  async function refresh(): Promise<void> {
    loading.value = true;
    try {
      await connection.request({ type: 'COLECAO' });
      error.value = null;
    } catch (err) {
      error.value = err instanceof CommandFailed ? err.code : (err as Error).message;
    } finally {
      loading.value = false;
    }
  }

  /** Buys a pack. Inside a match awaiting purchase, the node makes it the hand too. */
  async function buyPack(opts: { show?: boolean } = {}): Promise<Card[] | null> {
    if (buying.value) return null;
    buying.value = true;
    error.value = null;
    try {
      const r = await connection.request({ type: 'COMPRAR' }, { timeoutMs: 20_000 });
      if (r.type !== 'PACOTE_RESULTADO') return null;
      if (opts.show !== false) openedPack.value = r.cards;
      return r.cards;
    } catch (err) {
      error.value = err instanceof CommandFailed ? err.code : (err as Error).message;
      throw err;
    } finally {
      buying.value = false;
    }
  }

  function closePack(): void {
    openedPack.value = null;
  }

  function handleEvent(e: IncomingEvent): void {
    switch (e.type) {
      case 'BEM_VINDO':
        void refresh();
        break;
      case 'COLECAO':
        cards.value = e.cards;
        loaded.value = true;
        break;
      case 'PACOTE_RESULTADO':
        merge(e.cards);
        stockRemaining.value = e.remaining;
        break;
      case 'TROCA_CONCLUIDA':
        void refresh();
        break;
      case 'FIM_DE_JOGO':
        void refresh();
        break;
    }
  }

  connection.onEvent(handleEvent);

  return { cards, sorted, visible, countByRarity, loaded, loading, buying, openedPack, stockRemaining, error, refresh, buyPack, closePack, handleEvent };
});
