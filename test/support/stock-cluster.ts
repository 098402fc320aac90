// A real cluster for ledger tests: the peers, a StockClient, a leader, and players that
// registered (trust on first use) by connecting once over MQTT, spread over the peers.
import { TestCluster, waitFor } from './peer.ts';
import { TestPlayer } from './player.ts';
import { getJson } from './http.ts';
import { StockClient } from './stock.ts';

export interface StockCluster {
  cluster: TestCluster;
  stock: StockClient;
  playerIds: string[];
}

export async function startStockCluster(o: { args?: string[]; env?: Record<string, string>; players: number }): Promise<StockCluster> {
  const cluster = await TestCluster.start(3, o.args ?? [], o.env ?? {});
  const clusterId = (await getJson<{ clusterId: string }>(`${cluster.peers[0].url}/health`)).body.clusterId;
  const stock = new StockClient(cluster, clusterId);
  await waitFor('a leader', () => stock.leader(), 15_000);
  const playerIds: string[] = [];
  for (let i = 0; i < o.players; i++) {
    const p = TestPlayer.fresh();
    await p.connect(cluster.peers[i % cluster.peers.length].mqttUrl);
    await p.close();
    playerIds.push(p.playerId);
  }
  return { cluster, stock, playerIds };
}
