// Which screen is shown. The match and end screens take over by themselves while a match is
// on; otherwise the player moves between the lobby and the cluster view.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { usePlayerStore } from './player.ts';
import { useMatchStore } from './match.ts';
import { useHistoryStore } from './history.ts';

export type Tab = 'lobby' | 'cluster' | 'history' | 'rules';
/** Screens one can look at during a match without leaving it. */
export type Peek = 'cluster' | 'rules';
export type Screen = 'first-run' | 'lobby' | 'match' | 'end' | 'cluster' | 'history' | 'rules' | 'replay';

export const useNavigationStore = defineStore('navigation', () => {
  const player = usePlayerStore();
  const match = useMatchStore();
  const history = useHistoryStore();
  const tab = ref<Tab>('lobby');
  /** During a match: the cluster view or the rules shown over it (null: the match). */
  const peek = ref<Peek | null>(null);
  /** The first-run screen reopened from the menu (to share or use an invite later). */
  const setupOpen = ref(false);

  const screen = computed<Screen>(() => {
    if (!player.hasName || setupOpen.value) return 'first-run';
    // The last trick resolves on the table before the end screen.
    if (match.resolving && match.matchId) return peek.value ?? 'match';
    if (match.result || match.endedAway) return 'end';
    if (match.inMatch) return peek.value ?? 'match';
    if (history.replayId) return 'replay';
    return tab.value;
  });

  function go(t: Tab): void {
    tab.value = t;
    setupOpen.value = false;
    peek.value = null;
    if (history.replayId) history.closeReplay();
  }

  return { tab, peek, setupOpen, screen, go };
});
