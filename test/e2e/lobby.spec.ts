// First run, lobby, language, cluster view, keyboard, layout at 1024×700 and CSP — the parts
// that need only the headless node (PERFIL, PING, cluster/status, /servers) — then buying a pack.
import { test, expect, shot } from './fixtures.ts';
import { buyPack, setName, waitOnline } from './helpers.ts';

test.describe('first run and lobby', () => {
  test('first run: name validation, keyboard only, then the lobby', async ({ openPlayer }, testInfo) => {
    const { page, nodeId } = await openPlayer('Ana');
    await expect(page.getByTestId('first-run')).toBeVisible();
    await waitOnline(page);
    await expect(page.getByTestId('node-id')).toHaveAttribute('data-node', nodeId);
    await expect(page.getByTestId('first-run-node')).toContainText(nodeId);
    await expect(page.getByTestId('create-cluster')).toBeVisible();
    await expect(page.getByTestId('join-cluster')).toBeVisible();
    await shot(page, 'first-run', testInfo);

    // An empty name is refused with a visible message.
    await page.getByTestId('start-button').click();
    await expect(page.getByRole('alert').filter({ hasText: /1 to 24/ })).toBeVisible();

    // An invite code is described locally (cluster id and peers), a bad one flagged.
    await page.getByTestId('invite-input').fill('not-a-code');
    await expect(page.getByText(/not a valid invite code/)).toBeVisible();

    // Keyboard only: focus the name field, type, Enter.
    await page.getByTestId('name-input').focus();
    await page.keyboard.type('Ana');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('lobby')).toBeVisible();
    await expect(page.getByTestId('player-name')).toHaveText('Ana');
    await expect(page.getByTestId('latency')).toBeVisible({ timeout: 15_000 });
    await expect(page.getByTestId('latency')).toContainText(/\d+ ms/);
    await shot(page, 'lobby', testInfo);

    // The name survives a reload (same device, same player).
    await page.getByTestId('nav-setup').click();
    const id = await page.getByTestId('identity-id').textContent();
    await page.reload();
    await expect(page.getByTestId('lobby')).toBeVisible();
    await page.getByTestId('nav-setup').click();
    await expect(page.getByTestId('identity-id')).toHaveText(id ?? '');
    // The token stays hidden until "show".
    await expect(page.getByTestId('identity-token')).toHaveAttribute('data-shown', 'false');
    await expect(page.getByTestId('identity-token')).not.toContainText(/[A-Za-z0-9_-]{43}/);
    await shot(page, 'setup-identity', testInfo);
  });

  test('how to play, in both languages', async ({ openPlayer }, testInfo) => {
    const { page } = await openPlayer('Gil');
    await setName(page, 'Gil');
    await page.getByTestId('nav-rules').click();
    await expect(page.getByTestId('rules')).toContainText('Win more of the five tricks');
    await expect(page.getByTestId('rules').locator('li')).toHaveCount(8);
    await shot(page, 'rules', testInfo);
    await page.getByTestId('lang-select').selectOption('pt');
    await expect(page.getByTestId('rules')).toContainText('Vença mais das cinco rodadas');
    await shot(page, 'rules-pt', testInfo);
    await page.getByTestId('lang-select').selectOption('en');
  });

  test('first run: the commands shown work when copied, and only a valid invite is suggested', async ({ openPlayer }, testInfo) => {
    const { page } = await openPlayer('Hana');
    const create = page.getByTestId('create-command').first();
    await expect(create).toContainText('node bin/trinca.js node --id alice');
    await expect(create).toContainText('--host 0.0.0.0');
    await expect(create).toContainText('--advertise http://');
    await expect(page.getByTestId('join-command')).toHaveCount(0);
    await page.getByTestId('invite-input').fill('trinca1.garbage');
    await expect(page.getByTestId('join-command')).toHaveCount(0);
    // No mid-word wrap: a command block scrolls sideways instead of breaking words.
    expect(await create.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { whiteSpace: string } }).getComputedStyle(el).whiteSpace)).toBe('pre');
    await shot(page, 'first-run-commands', testInfo);
  });

  test('language switches between English and Portuguese', async ({ openPlayer }) => {
    const { page } = await openPlayer('Bia');
    await setName(page, 'Bia');
    await expect(page.getByTestId('nav-lobby')).toHaveText('Lobby');
    await page.getByTestId('lang-select').selectOption('pt');
    await expect(page.getByTestId('nav-lobby')).toHaveText('Saguão');
    await expect(page.locator('html')).toHaveAttribute('lang', 'pt-BR');
    await page.reload();
    await expect(page.getByTestId('nav-lobby')).toHaveText('Saguão');
    await page.getByTestId('lang-select').selectOption('en');
    await expect(page.getByTestId('nav-lobby')).toHaveText('Lobby');
  });

  test('cluster view: the peers alive, from cluster/status and /servers', async ({ openPlayer, target }, testInfo) => {
    const { page, nodeId } = await openPlayer('Caio', { peer: 1 });
    await setName(page, 'Caio');
    await page.getByTestId('nav-cluster').click();
    const view = page.getByTestId('cluster-view');
    await expect(view).toBeVisible();
    // The desktop app's own node is a peer too.
    const ids = target === 'browser' ? ['p1', 'p2', 'p3'] : ['p1', 'p2', 'p3', nodeId];
    for (const id of ids) await expect(view.locator(`[data-peer-id="${id}"]`)).toHaveAttribute('data-alive', 'true');
    await expect(view.locator(`[data-peer-id="${nodeId}"]`)).toContainText(/your node/);
    await expect(view.locator('[data-leader="true"]')).toHaveCount(1);
    await expect(view.getByTestId('cluster-id')).not.toHaveText('—');
    await shot(page, 'cluster', testInfo);
    await page.getByTestId('nav-lobby').click();
    await expect(page.getByTestId('lobby')).toBeVisible();
  });

  test('fits 1024×700 without horizontal scrolling', async ({ openPlayer }) => {
    const { page } = await openPlayer('Duda');
    await page.setViewportSize({ width: 1024, height: 700 });
    await setName(page, 'Duda');
    // (runs in the page; this file is type-checked without DOM types)
    const overflow = await page.evaluate(() => {
      const el = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
      return el.scrollWidth - el.clientWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await expect(page.getByTestId('buy-pack')).toBeInViewport();
    await expect(page.getByTestId('queue-join')).toBeInViewport();
  });

  test('buys a pack and watches it open', async ({ openPlayer }, testInfo) => {
    const { page } = await openPlayer('Edu', { peer: 2 });
    await setName(page, 'Edu');
    const ids = await buyPack(page, async () => {
      // The reveal is not spoiled: the new cards are not in the collection behind the window yet.
      const grid = page.getByTestId('collection');
      const shown = await page.getByTestId('pack-card').evaluateAll((els) => els.map((e) => e.getAttribute('data-card-id') ?? ''));
      for (const id of shown) {
        await expect(grid.locator(`[data-testid="card"][data-card-id="${id}"]`)).toHaveCount(0);
        await expect(page.locator(`[data-testid="trade-offer-option"][data-card-id="${id}"]`)).toHaveCount(0);
      }
      // A native modal <dialog>: focus stays inside it.
      await expect(page.locator('dialog[open]')).toHaveCount(1);
      for (let i = 0; i < 4; i++) await page.keyboard.press('Tab');
      expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { closest(s: string): unknown } | null } }).document.activeElement?.closest('dialog') !== null)).toBe(true);
      await shot(page, 'pack-opening', testInfo);
    });
    expect(new Set(ids).size).toBe(5);
    for (const id of ids) await expect(page.getByTestId('collection').locator(`[data-card-id="${id}"]`)).toBeVisible();
    await shot(page, 'lobby-with-cards', testInfo);
  });
});
