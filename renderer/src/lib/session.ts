// Start-up: create every store (so each registers its event handler before the first
// message), resubscribe to a match we were in before a reload, then connect.
import type { Pinia } from 'pinia';
import { useConnectionStore } from '../stores/connection.ts';
import { usePlayerStore } from '../stores/player.ts';
import { useCollectionStore } from '../stores/collection.ts';
import { useMatchStore } from '../stores/match.ts';
import { useTradesStore } from '../stores/trades.ts';
import { useRankingStore } from '../stores/ranking.ts';
import { useClusterStore } from '../stores/cluster.ts';
import { useHistoryStore } from '../stores/history.ts';
import type { Connector } from './transport.ts';
import { desktopApi } from './desktop.ts';
import { isValidCredentials } from './credentials.ts';

export function startSession(pinia: Pinia, opts: { connector?: Connector; url?: string; pollServers?: boolean } = {}): void {
  const connection = useConnectionStore(pinia);
  if (opts.connector) connection.useConnector(opts.connector);
  const player = usePlayerStore(pinia);
  useCollectionStore(pinia);
  useTradesStore(pinia);
  useRankingStore(pinia);
  useHistoryStore(pinia);
  const cluster = useClusterStore(pinia);
  useMatchStore(pinia).restore();
  if (opts.pollServers !== false) cluster.startPolling();
  const desktop = desktopApi();
  if (!desktop?.loadIdentity) {
    connection.connect(player.credentials, opts.url);
    return;
  }
  // Desktop: the identity lives under userData (main process), whatever origin the window has.
  void desktop
    .loadIdentity()
    .then((kept) => {
      if (kept && isValidCredentials(kept)) player.adopt({ playerId: kept.playerId, token: kept.token }, kept.name);
      else player.persistDesktop();
    })
    .catch(() => undefined)
    .finally(() => connection.connect(player.credentials, opts.url));
}
