// Who plays on this device: a playerId and token created once and kept in localStorage,
// and the display name (sent with PERFIL, re-sent when a node greets us with another name).
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { PerfilCommand } from '../../../protocol/commands.ts';
import { isValidCredentials, newCredentials, type Credentials } from '../lib/credentials.ts';
import { readJson, writeJson } from '../lib/storage.ts';
import { desktopApi } from '../lib/desktop.ts';
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
  /** A restored identity waits for the node's greeting to learn its name from the ledger. */
  const restoring = ref(false);

  /** The desktop app keeps the identity in its data folder (the page's storage is per origin). */
  function persistDesktop(): void {
    const api = desktopApi();
    void api?.saveIdentity?.({ ...credentials.value, name: name.value }).catch(() => undefined);
  }

  /** Adopts the identity the desktop app kept, before the first connect (see session.ts). */
  function adopt(c: Credentials, savedName: string | null): void {
    credentials.value = c;
    writeJson('credentials', c);
    if (savedName && !name.value) {
      name.value = savedName;
      writeJson('name', savedName);
    }
  }

  /** "I already play": switches this device to a restored identity and reconnects with it. */
  function restore(c: Credentials, knownName: string | null): void {
    credentials.value = c;
    writeJson('credentials', c);
    writeJson('match', null);
    name.value = null;
    writeJson('name', null);
    if (knownName) {
      name.value = knownName;
      writeJson('name', knownName);
    }
    restoring.value = true;
    persistDesktop();
    connection.connect(c);
  }

  async function setName(input: string): Promise<void> {
    const v = validName(input);
    if (!v) throw new Error('invalid name');
    name.value = v;
    writeJson('name', v);
    persistDesktop();
    if (connection.online) await connection.request({ type: 'PERFIL', name: v });
  }

  function handleEvent(e: IncomingEvent): void {
    if (e.type === 'BEM_VINDO') {
      serverName.value = e.name;
      if (restoring.value) {
        // The ledger knows this player: its name comes back with the greeting.
        restoring.value = false;
        if (!name.value && validName(e.name)) {
          name.value = validName(e.name);
          writeJson('name', name.value);
          persistDesktop();
        }
        return;
      }
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
    persistDesktop();
    connection.connect(credentials.value);
  }

  connection.onEvent(handleEvent);

  return { credentials, playerId, name, serverName, hasName, restoring, setName, resetIdentity, adopt, restore, persistDesktop, handleEvent };
});
