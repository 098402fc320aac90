// A follower that fell behind a compaction catches up through a snapshot larger than one
// InstallSnapshot chunk (256 KiB): real node processes, real purchases, real sockets.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor, type TestCluster } from '../support/peer.ts';
import { startStockCluster } from '../support/stock-cluster.ts';
import type { StockClient } from '../support/stock.ts';
import { SNAPSHOT_CHUNK_BYTES } from '../../server/raft/snapshot-chunks.ts';

describe('InstallSnapshot in chunks (real processes)', () => {
  let cluster: TestCluster;
  let stock: StockClient;
  let playerIds: string[] = [];

  beforeAll(async () => {
    ({ cluster, stock, playerIds } = await startStockCluster({ args: ['--stock-scale', '20'], env: { TRINCA_SNAPSHOT_EVERY: '400' }, players: 16 }));
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('a lagging follower installs a multi-chunk snapshot and converges', async () => {
    const leader = await stock.leader();
    const lagger = cluster.peers.find((p) => p !== leader)!;
    lagger.kill9();
    // Enough purchases for a ledger snapshot well over one chunk (every sold card is in it,
    // at about 9 bytes a card in the compact v4 encoding).
    const packs = 7000;
    let next = 0;
    const workers = Array.from({ length: 32 }, async () => {
      for (let i = next++; i < packs; i = next++) await stock.buy(`snap-${i}`, playerIds[i % playerIds.length], cluster.peers.indexOf(leader));
    });
    await Promise.all(workers);
    const snapFile = path.join(leader.opts.dataDir, 'raft', 'snapshot.rec');
    await waitFor('the leader compacted its log', () => fs.existsSync(snapFile), 20_000);
    const size = fs.statSync(snapFile).size;
    expect(size, `snapshot of ${size} bytes`).toBeGreaterThan(SNAPSHOT_CHUNK_BYTES);

    lagger.opts.env = { ...lagger.opts.env, TRINCA_LOG_LEVEL: 'info' };
    await lagger.start();
    await waitFor('all peers applied the same ledger', async () => {
      const ds = await Promise.all(cluster.peers.map((p) => stock.digest(p)));
      return ds.every((d) => d.digest === ds[0].digest && d.violations.length === 0);
    }, 60_000, 250);
    expect(lagger.stderr).toMatch(/installed snapshot/);
    const s = await stock.status(lagger);
    expect(s.sold).toBe(packs * 5);
  }, 180_000);
});
