// Starts one real 3-peer cluster through the CLI (test/support/peer.ts) serving the built UI,
// for the specs that do not kill peers. Its address goes to the workers in TRINCA_E2E_CLUSTER.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, TestCluster } from '../support/peer.ts';

export const UI_DIR = path.join(ROOT, 'renderer/dist');

export interface ClusterInfo {
  root: string;
  secretFile: string;
  peers: { id: string; url: string; dataDir: string }[];
}

export function describeCluster(c: TestCluster): ClusterInfo {
  return { root: c.root, secretFile: c.secretFile, peers: c.peers.map((p) => ({ id: p.id, url: p.url, dataDir: p.opts.dataDir })) };
}

export async function startUiCluster(size = 3): Promise<TestCluster> {
  if (!fs.existsSync(path.join(UI_DIR, 'index.html'))) {
    throw new Error(`${UI_DIR}/index.html is missing: run "npm run build:ui" first (npm run test:e2e does)`);
  }
  return TestCluster.start(size, ['--ui', UI_DIR]);
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  fs.mkdirSync(path.join(ROOT, 'test-results/screens'), { recursive: true });
  const cluster = await startUiCluster(3);
  const info = describeCluster(cluster);
  process.env.TRINCA_E2E_CLUSTER = JSON.stringify(info);
  process.stdout.write(`e2e cluster: ${info.peers.map((p) => `${p.id}=${p.url}`).join(' ')}\n`);
  return async () => {
    await cluster.stop();
  };
}
