// The desktop peer's node management against real nodes in-process: bootstrap, invite, join.
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NodeHost } from './node-host.ts';
import { freePorts } from '../test/support/ports.ts';
import { decodeInvite } from '../server/cluster/invite.ts';
import { waitFor } from '../test/support/peer.ts';

const hosts: NodeHost[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()));
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function newHost(id: string): Promise<NodeHost> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `trinca-host-${id}-`));
  dirs.push(dir);
  const [http, mqtt] = await freePorts(2);
  const h = new NodeHost({
    userData: dir,
    env: { TRINCA_NODE_ID: id, TRINCA_HOST: '127.0.0.1', TRINCA_HTTP_PORT: String(http), TRINCA_MQTT_PORT: String(mqtt), TRINCA_LOG_LEVEL: 'warn' },
  });
  hosts.push(h);
  return h;
}

describe('NodeHost', () => {
  it('bootstraps a cluster of one, keeps its settings, and makes an invite naming itself', async () => {
    const a = await newHost('alpha');
    await a.start();
    expect(a.info().id).toBe('alpha');
    expect(a.uiUrl).toBe(`${a.info().httpUrl}/`);
    const inv = decodeInvite(await a.createInvite());
    expect(inv.clusterId).toBe(a.info().clusterId);
    expect(inv.peers).toContain(a.info().httpUrl);
    const clusterId = a.info().clusterId;
    await a.stop();
    await a.start();
    expect(a.info().clusterId).toBe(clusterId);
  });

  it('joins another cluster from an invite, setting its old data aside', async () => {
    const a = await newHost('alpha');
    const b = await newHost('bravo');
    await a.start();
    await b.start();
    const own = b.info().clusterId;
    await b.join(await a.createInvite());
    expect(b.info().clusterId).toBe(a.info().clusterId);
    expect(b.info().clusterId).not.toBe(own);
    const parent = path.dirname(b.dataDir);
    expect(fs.readdirSync(parent).some((f) => f.startsWith('node.before-join-'))).toBe(true);
    await waitFor('alpha to list bravo', async () => {
      const list = (await (await fetch(`${a.info().httpUrl}/servers`)).json()) as { id: string; alive: boolean }[];
      return list.some((s) => s.id === 'bravo' && s.alive);
    });
    // Already a member: refused without touching anything.
    await expect(b.join(await a.createInvite())).rejects.toThrow(/already a member/);
  });

  it('a damaged invite changes nothing', async () => {
    const b = await newHost('bravo');
    await b.start();
    const before = b.info().clusterId;
    await expect(b.join('trinca1.nope')).rejects.toThrow(/damaged/);
    expect(b.running).toBe(true);
    expect(b.info().clusterId).toBe(before);
  });
});
