// The player's finished matches (HISTORICO, from the ledger) and the replay being watched
// (REPLAY: the match's verified log, hands hidden until played).
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { HistoryEntry, Replay } from '../../../protocol/events.ts';
import { CommandFailed, type IncomingEvent } from '../lib/protocol.ts';
import { useConnectionStore } from './connection.ts';

export const useHistoryStore = defineStore('history', () => {
  const connection = useConnectionStore();
  const entries = ref<HistoryEntry[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<string | null>(null);
  /** The replay on screen (null: none open). */
  const replayId = ref<string | null>(null);
  const replay = shallowRef<Replay | null>(null);
  const replayError = ref<string | null>(null);
  const step = ref(0);

  const total = computed(() => replay.value?.events.length ?? 0);

  async function refresh(): Promise<void> {
    loading.value = true;
    try {
      await connection.request({ type: 'HISTORICO' });
      error.value = null;
    } catch (err) {
      error.value = err instanceof CommandFailed ? err.code : (err as Error).message;
    } finally {
      loading.value = false;
    }
  }

  async function openReplay(matchId: string): Promise<void> {
    replayId.value = matchId;
    replay.value = null;
    replayError.value = null;
    step.value = 0;
    try {
      const r = await connection.request({ type: 'REPLAY', matchId }, { timeoutMs: 15_000 });
      if (r.type === 'REPLAY' && replayId.value === matchId) {
        replay.value = r;
        step.value = Math.min(1, r.events.length);
      }
    } catch (err) {
      if (replayId.value === matchId) replayError.value = err instanceof CommandFailed ? err.code : (err as Error).message;
    }
  }

  function closeReplay(): void {
    replayId.value = null;
    replay.value = null;
    replayError.value = null;
  }

  function go(n: number): void {
    step.value = Math.max(0, Math.min(total.value, n));
  }

  function handleEvent(e: IncomingEvent): void {
    if (e.type === 'HISTORICO') {
      entries.value = Array.isArray(e.entries) ? e.entries : [];
      loaded.value = true;
    } else if (e.type === 'FIM_DE_JOGO') {
      // The ledger records the result once the host commits it: ask a moment later.
      setTimeout(() => void refresh(), 1200);
    }
  }

  connection.onEvent(handleEvent);

  return { entries, loaded, loading, error, replayId, replay, replayError, step, total, refresh, openReplay, closeReplay, go, handleEvent };
});
