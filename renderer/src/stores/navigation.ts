// Which screen is shown. The match and end screens take over by themselves while a match is
// on; otherwise the player moves between the lobby and the cluster view.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { usePlayerStore } from './player.ts';
import { useMatchStore } from './match.ts';

export type Tab = 'lobby' | 'cluster';
export type Screen = 'first-run' | 'lobby' | 'match' | 'end' | 'cluster';

export const useNavigationStore = defineStore('navigation', () => {
  const player = usePlayerStore();
  const match = useMatchStore();
  const tab = ref<Tab>('lobby');
  /** The first-run screen reopened from the menu (to share or use an invite later). */
  const setupOpen = ref(false);

  const screen = computed<Screen>(() => {
    if (!player.hasName || setupOpen.value) return 'first-run';
    if (match.result || match.endedAway) return 'end';
    if (match.inMatch) return 'match';
    return tab.value;
  });

  function go(t: Tab): void {
    tab.value = t;
    setupOpen.value = false;
  }

  return { tab, setupOpen, screen, go };
});
