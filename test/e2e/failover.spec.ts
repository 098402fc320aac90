// Peers dying under the players. Each test starts its own 3-peer cluster (it kills one).
// 1. A player whose node dies reconnects to another peer by itself.
// 2. `kill -9` of the peer hosting a match: both screens show the failover banner and the
//    match finishes on the reserve server.
import { test, expect, shot } from './fixtures.ts';
import { buyPack, getHand, joinQueue, playToEnd, setName, waitOnline } from './helpers.ts';
import { describeCluster, startUiCluster } from './global-setup.ts';
import type { TestCluster } from '../support/peer.ts';

let cluster: TestCluster | null = null;

test.afterEach(async () => {
  await cluster?.stop();
  cluster = null;
});

test('reconnects to another peer when its node dies', async ({ openPlayer, target }, testInfo) => {
  test.skip(target === 'electron', 'the desktop window is served by its own embedded node: when that node dies, so does the app');
  cluster = await startUiCluster(3);
  const info = describeCluster(cluster);
  const { page } = await openPlayer('Fabi', { cluster: info, peer: 1 });
  await setName(page, 'Fabi');
  await waitOnline(page);
  await expect(page.getByTestId('node-id')).toHaveAttribute('data-node', 'p2');
  // Let the UI learn the peers (cluster/status is retained and republished every second).
  await page.getByTestId('nav-cluster').click();
  for (const id of ['p1', 'p2', 'p3']) await expect(page.locator(`[data-peer-id="${id}"]`)).toHaveAttribute('data-alive', 'true');
  cluster.peer('p2').kill9();
  await expect(page.getByTestId('reconnect-banner')).toBeVisible({ timeout: 10_000 });
  await shot(page, 'reconnecting', testInfo);
  await waitOnline(page);
  await expect(page.getByTestId('node-id')).toHaveAttribute('data-node', /^p[13]$/);
  await expect(page.getByTestId('reconnect-banner')).toBeHidden();
  await expect(page.locator('[data-peer-id="p2"]')).toHaveAttribute('data-alive', 'false', { timeout: 15_000 });
});

test('kill -9 of the hosting peer mid-match: both see the failover banner and the match finishes', async ({ openPlayer, target }, testInfo) => {
  test.skip(target === 'electron', "in the desktop app a player's own app is a peer, so killing the host kills a player's window; covered in the browser project");
  cluster = await startUiCluster(3);
  const info = describeCluster(cluster);
  const a = await openPlayer('Gabi', { cluster: info, peer: 1 });
  const b = await openPlayer('Hugo', { cluster: info, peer: 2 });
  await setName(a.page, 'Gabi');
  await setName(b.page, 'Hugo');
  await buyPack(a.page);
  await buyPack(b.page);
  await joinQueue(a.page);
  await joinQueue(b.page);
  for (const p of [a.page, b.page]) await expect(p.getByTestId('match')).toBeVisible({ timeout: 30_000 });
  await getHand(a.page, 'pick');
  await getHand(b.page, 'pick');
  for (const p of [a.page, b.page]) await expect(p.getByTestId('match')).toHaveAttribute('data-phase', 'JOGANDO', { timeout: 20_000 });

  const hostText = (await a.page.getByTestId('match-host').getAttribute('data-host')) ?? '';
  expect(hostText).toMatch(/^p[123]$/);
  let killed = false;
  await playToEnd([a.page, b.page], {
    timeoutMs: 150_000,
    between: async (moves: number) => {
      if (killed || moves < 3) return;
      killed = true;
      cluster!.peer(hostText).kill9();
      // The player whose own node was the host loses its link: until the match is back, its
      // screen says "reconnecting the match…" and offers no move (the gap can be short, so the
      // screenshot is taken only when caught; the rule itself is unit-tested in the match store).
      const onHost = [a, b].find((p) => p.nodeId === hostText);
      if (onHost) {
        const turn = onHost.page.getByTestId('turn-indicator');
        const caught = await expect(turn).toHaveAttribute('data-suspect', 'true', { timeout: 3000 }).then(() => true, () => false);
        if (caught) {
          await expect(turn).toHaveAttribute('data-mine', 'false');
          await shot(onHost.page, 'reconnecting-match', testInfo);
        }
      }
      for (const p of [a.page, b.page]) {
        await expect(p.getByTestId('failover-banner')).toBeVisible({ timeout: 20_000 });
        await expect(p.getByTestId('failover-banner')).not.toHaveAttribute('data-host', hostText);
      }
      await shot(a.page, 'failover', testInfo);
    },
  });
  expect(killed).toBe(true);
  const ra = a.page.getByTestId('end-result');
  const rb = b.page.getByTestId('end-result');
  expect(await ra.getAttribute('data-winner-id')).toBe(await rb.getAttribute('data-winner-id'));
  await expect(a.page.getByTestId('end-failover')).toBeVisible();
});
