// The leaderboard (RANKING → wins, losses, draws per player), refreshed on demand and after
// every match.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { Ranking } from '../../../protocol/events.ts';
import { CommandFailed, type IncomingEvent } from '../lib/protocol.ts';
import { useConnectionStore } from './connection.ts';

export type RankingEntry = Ranking['entries'][number];

export const useRankingStore = defineStore('ranking', () => {
  const connection = useConnectionStore();
  const entries = ref<RankingEntry[]>([]);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const updatedAt = ref<number | null>(null);

  const sorted = computed(() =>
    [...entries.value].sort((a, b) => b.wins - a.wins || a.losses - b.losses || b.draws - a.draws || a.name.localeCompare(b.name)),
  );

  function nameOf(playerId: string): string | null {
    return entries.value.find((e) => e.playerId === playerId)?.name ?? null;
  }

  async function refresh(): Promise<void> {
    loading.value = true;
    try {
      await connection.request({ type: 'RANKING' });
      error.value = null;
    } catch (err) {
      error.value = err instanceof CommandFailed ? err.code : (err as Error).message;
    } finally {
      loading.value = false;
    }
  }

  function handleEvent(e: IncomingEvent): void {
    if (e.type === 'RANKING') {
      entries.value = Array.isArray(e.entries) ? e.entries : [];
      updatedAt.value = Date.now();
    } else if (e.type === 'BEM_VINDO' || e.type === 'FIM_DE_JOGO' || e.type === 'PERFIL') {
      // After a match the ledger records the result, after PERFIL the name: ask a moment later.
      setTimeout(() => void refresh(), e.type === 'FIM_DE_JOGO' ? 800 : e.type === 'PERFIL' ? 300 : 0);
    }
  }

  connection.onEvent(handleEvent);

  return { entries, sorted, loading, error, updatedAt, nameOf, refresh, handleEvent };
});
