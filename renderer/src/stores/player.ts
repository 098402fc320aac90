// Who plays on this device: a playerId and token created once and kept in localStorage,
// and the display name (sent with PERFIL, re-sent when a node greets us with another name).
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { PerfilCommand } from '../../../protocol/commands.ts';
import { isValidCredentials, newCredentials, type Credentials } from '../lib/credentials.ts';
import { readJson, writeJson } from '../lib/storage.ts';
import type { IncomingEvent } from '../lib/protocol.ts';
import { useConnectionStore } from './connection.ts';

/** The name rule of the contract (1–24 characters after trimming), from protocol/commands.ts. */
export function validName(name: string): string | null {
  const r = PerfilCommand.shape.name.safeParse(name);
  return r.success ? r.data : null;
}

function loadCredentials(): Credentials {
  const stored = readJson<Credentials>('credentials');
  if (isValidCredentials(stored)) return stored;
  const fresh = newCredentials();
  writeJson('credentials', fresh);
  return fresh;
}

export const usePlayerStore = defineStore('player', () => {
  const connection = useConnectionStore();
  const credentials = ref<Credentials>(loadCredentials());
  const name = ref<string | null>(readJson<string>('name'));
  /** The name the node last confirmed (BEM_VINDO or PERFIL). */
  const serverName = ref<string | null>(null);
  const playerId = computed(() => credentials.value.playerId);
  const hasName = computed(() => !!name.value);

  async function setName(input: string): Promise<void> {
    const v = validName(input);
    if (!v) throw new Error('invalid name');
    name.value = v;
    writeJson('name', v);
    if (connection.online) await connection.request({ type: 'PERFIL', name: v });
  }

  function handleEvent(e: IncomingEvent): void {
    if (e.type === 'BEM_VINDO') {
      serverName.value = e.name;
      // A node that does not know our chosen name yet (first visit, or a fresh peer) is told.
      if (name.value && e.name !== name.value) void connection.request({ type: 'PERFIL', name: name.value }).catch(() => undefined);
    } else if (e.type === 'PERFIL') {
      serverName.value = e.name;
    }
  }

  /**
   * Starts over as a new player on this device (new id and token) — the way out when the
   * cluster refuses our token (e.g. the id was registered elsewhere with another one).
   * The old player's cards stay with the old id.
   */
  function resetIdentity(): void {
    credentials.value = newCredentials();
    writeJson('credentials', credentials.value);
    writeJson('match', null);
    connection.connect(credentials.value);
  }

  connection.onEvent(handleEvent);

  return { credentials, playerId, name, serverName, hasName, setName, resetIdentity, handleEvent };
});
