// Screen-level steps shared by the specs (everything through data-testids).
import type { Page } from '@playwright/test';
import { expect } from './fixtures.ts';

export async function waitOnline(page: Page): Promise<void> {
  await expect(page.getByTestId('conn-status')).toHaveAttribute('data-status', 'online', { timeout: 20_000 });
}

/** First run: type a name and press Play; lands in the lobby. */
export async function setName(page: Page, name: string): Promise<void> {
  await expect(page.getByTestId('first-run')).toBeVisible();
  await page.getByTestId('name-input').fill(name);
  await page.getByTestId('start-button').click();
  await expect(page.getByTestId('lobby')).toBeVisible();
  await expect(page.getByTestId('player-name')).toHaveText(name);
}

export async function collectionCount(page: Page): Promise<number> {
  return Number(await page.getByTestId('collection').getAttribute('data-count'));
}

/** Buys a pack from the lobby, watches it open, and returns the five card ids. */
export async function buyPack(page: Page, onOpen?: () => Promise<void>): Promise<string[]> {
  const before = await collectionCount(page);
  await page.getByTestId('buy-pack').click();
  const dialog = page.getByTestId('pack-opening');
  await expect(dialog).toBeVisible({ timeout: 20_000 });
  await expect(dialog.getByTestId('pack-card')).toHaveCount(5);
  await expect(dialog).toHaveAttribute('data-revealed', /^[5-9]$/, { timeout: 10_000 });
  const ids = await dialog.getByTestId('pack-card').evaluateAll((els) => els.map((e) => e.getAttribute('data-card-id') ?? ''));
  if (onOpen) await onOpen();
  await page.getByTestId('pack-done').click();
  await expect(dialog).toBeHidden();
  await expect.poll(() => collectionCount(page)).toBeGreaterThanOrEqual(before + 5);
  return ids;
}

export async function joinQueue(page: Page): Promise<void> {
  await page.getByTestId('queue-join').click();
  // Queued — or already matched: when the opponent was waiting, the match screen (with no
  // queue panel) can replace the lobby before the queued state is ever seen.
  const queued = page.locator('[data-testid="queue-status"][data-state="queued"], [data-testid="queue-status"][data-state="idle"]');
  await expect(queued.or(page.getByTestId('match')).first()).toBeVisible();
}

/** In a match awaiting hands: buy a pack as the hand, or pick five owned cards. */
export async function getHand(page: Page, how: 'buy' | 'pick'): Promise<void> {
  await expect(page.getByTestId('get-hand')).toBeVisible({ timeout: 20_000 });
  if (how === 'buy') {
    // The pack is revealed in the hand itself (no window over it during a match).
    await page.getByTestId('match-buy-hand').click();
    await expect(page.getByTestId('pack-opening')).toHaveCount(0);
  } else {
    await page.getByTestId('match-choose-hand').click();
    const cards = page.getByTestId('picker-card');
    for (let i = 0; i < 5; i++) await cards.nth(i).click();
    await page.getByTestId('match-ready').click();
  }
  await expect(page.getByTestId('hand').getByTestId('hand-card')).toHaveCount(5, { timeout: 20_000 });
}

async function endVisible(page: Page): Promise<boolean> {
  return page.getByTestId('end-screen').isVisible();
}

/**
 * Plays until both screens show the end of the match: whoever's turn it is plays its first card
 * (alternating mouse and keyboard). `between` runs after each move (e.g. a failover trigger).
 */
export async function playToEnd(
  pages: Page[],
  opts: { timeoutMs?: number; between?: (moves: number, page: Page, tableBefore: number) => Promise<void>; before?: (page: Page) => Promise<void> } = {},
): Promise<number> {
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  let moves = 0;
  while (Date.now() < deadline) {
    const ended = await Promise.all(pages.map(endVisible));
    if (ended.every(Boolean)) return moves;
    let played = false;
    for (const page of pages) {
      if (await endVisible(page)) continue;
      const turn = page.getByTestId('turn-indicator');
      if (!(await turn.isVisible().catch(() => false))) continue;
      if ((await turn.getAttribute('data-mine').catch(() => null)) !== 'true') continue;
      if (opts.before) await opts.before(page);
      const card = page.getByTestId('hand').getByTestId('hand-card').first();
      if (!(await card.isEnabled().catch(() => false))) continue;
      const before = await page.getByTestId('hand').getAttribute('data-count');
      const tableBefore = await page.getByTestId('table').getByTestId('table-card').count();
      if (moves % 2 === 0) await card.click();
      else await page.keyboard.press('1');
      await expect(page.getByTestId('hand')).not.toHaveAttribute('data-count', before ?? '', { timeout: 15_000 }).catch(() => undefined);
      moves++;
      played = true;
      if (opts.between) await opts.between(moves, page, tableBefore);
    }
    if (!played) await pages[0].waitForTimeout(150);
  }
  throw new Error(`match did not end in time (${moves} moves played)`);
}
