// Shared set-up for renderer tests: a fresh Pinia + i18n + fake cluster per test.
import { vi } from 'vitest';
import { createPinia, setActivePinia, type Pinia } from 'pinia';
import { mount, type ComponentMountingOptions } from '@vue/test-utils';
import type { Component } from 'vue';
import { createAppI18n } from '../i18n/index.ts';
import { startSession } from '../lib/session.ts';
import { FakeNetwork, flush } from './fake-network.ts';
import { useConnectionStore } from '../stores/connection.ts';

export interface Harness {
  pinia: Pinia;
  net: FakeNetwork;
  i18n: ReturnType<typeof createAppI18n>;
}

/** A fake 3-node cluster (n1 is the page's node) and a connected session. */
export async function connectedHarness(opts: { connect?: boolean } = {}): Promise<Harness> {
  localStorage.clear();
  // No network in component tests: /servers answers an empty list.
  vi.stubGlobal('fetch', async () => new Response('[]', { status: 200, headers: { 'content-type': 'application/json' } }));
  const pinia = createPinia();
  setActivePinia(pinia);
  const net = new FakeNetwork();
  for (const id of ['n1', 'n2', 'n3']) net.add(id);
  const i18n = createAppI18n('en');
  if (opts.connect !== false) {
    startSession(pinia, { connector: net.connector, url: 'ws://n1.test/mqtt', pollServers: false });
    await until(() => useConnectionStore(pinia).online);
    await flush();
  }
  return { pinia, net, i18n };
}

export function mountIn<C extends Component>(h: Harness, component: C, options: ComponentMountingOptions<C> = {} as ComponentMountingOptions<C>) {
  return mount(component, { ...options, global: { plugins: [h.pinia, h.i18n], ...(options.global ?? {}) } });
}

/** Waits (real time) until `cond` holds. */
export async function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
