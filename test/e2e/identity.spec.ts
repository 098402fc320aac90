// A portable identity: a player whose peer is kill -9'd restores itself on another peer from
// its recovery code (a fresh browser, nothing in its storage) — same name, cards and record.
import { test, expect, shot } from './fixtures.ts';
import { buyPack, setName, waitOnline } from './helpers.ts';
import { describeCluster, startUiCluster } from './global-setup.ts';
import type { TestCluster } from '../support/peer.ts';

let cluster: TestCluster | null = null;
test.afterEach(async () => {
  await cluster?.stop();
  cluster = null;
});

test('an identity restored on another peer after its peer was kill -9d', async ({ openPlayer, target }, testInfo) => {
  test.skip(target === 'electron', 'the desktop app keeps the identity under userData (tested in electron/); this is the browser path');
  cluster = await startUiCluster(3);
  const info = describeCluster(cluster);
  const first = await openPlayer('Mara', { cluster: info, peer: 1 });
  await setName(first.page, 'Mara');
  const ids = await buyPack(first.page);
  await first.page.getByTestId('nav-setup').click();
  const playerId = await first.page.getByTestId('identity-id').textContent();
  await first.page.getByTestId('identity-code-toggle').click();
  const code = (await first.page.getByTestId('identity-code').textContent())!.trim();
  expect(code).toMatch(/^TR1 /);
  await first.page.getByTestId('identity-token-toggle').click();
  await expect(first.page.getByTestId('identity-token')).toHaveAttribute('data-shown', 'true');
  await first.page.getByTestId('identity-token-toggle').click();
  await shot(first.page, 'identity', testInfo);

  cluster.peer('p2').kill9();

  const again = await openPlayer('Mara-2', { cluster: info, peer: 2 });
  await waitOnline(again.page);
  await expect(again.page.getByTestId('first-run')).toBeVisible();
  await again.page.getByTestId('restore-input').fill('TR1 not a code');
  await again.page.getByTestId('restore-button').click();
  await expect(again.page.getByTestId('restore-error')).toBeVisible();
  await again.page.getByTestId('restore-input').fill(code);
  await shot(again.page, 'restore', testInfo);
  await again.page.getByTestId('restore-button').click();
  await expect(again.page.getByTestId('lobby')).toBeVisible({ timeout: 20_000 });
  await expect(again.page.getByTestId('player-name')).toHaveText('Mara');
  await expect(again.page.getByTestId('node-id')).toHaveAttribute('data-node', 'p3');
  for (const id of ids) await expect(again.page.getByTestId('collection').locator(`[data-card-id="${id}"]`)).toBeVisible({ timeout: 15_000 });
  await expect(again.page.getByTestId('collection')).toHaveAttribute('data-count', String(ids.length));
  await again.page.getByTestId('nav-setup').click();
  await expect(again.page.getByTestId('identity-id')).toHaveText(playerId ?? '');
  await shot(again.page, 'identity-restored', testInfo);
});
