// Two players in two browser contexts (or two desktop apps) on different peers: names, packs,
// queue, a whole match through the screens with the same result on both, then a trade.
import { test, expect, shot, type Player } from './fixtures.ts';
import { buyPack, getHand, joinQueue, playToEnd, setName } from './helpers.ts';

test.describe.configure({ mode: 'serial' });

test('two players on different peers play a whole match, then trade', async ({ openPlayer }, testInfo) => {
  const a: Player = await openPlayer('Alice', { peer: 0 });
  const b: Player = await openPlayer('Bruno', { peer: 1 });
  await setName(a.page, 'Alice');
  await setName(b.page, 'Bruno');

  await test.step('both buy a pack', async () => {
    await buyPack(a.page);
    await buyPack(b.page);
  });

  await test.step('queue and get matched across peers', async () => {
    await joinQueue(a.page);
    await expect(a.page.getByTestId('queue-status')).toHaveAttribute('data-state', 'queued');
    await shot(a.page, 'queue', testInfo);
    await joinQueue(b.page);
    for (const p of [a.page, b.page]) await expect(p.getByTestId('match')).toBeVisible({ timeout: 30_000 });
    await expect(a.page.getByTestId('opponent-name')).toHaveText('Bruno');
    await expect(b.page.getByTestId('opponent-name')).toHaveText('Alice');
    const idA = await a.page.getByTestId('match').getAttribute('data-match-id');
    expect(idA).toBeTruthy();
    await expect(b.page.getByTestId('match')).toHaveAttribute('data-match-id', idA!);
    await shot(a.page, 'match-choose-hand', testInfo);
  });

  await test.step('hands: one buys a pack, the other picks five owned cards', async () => {
    await getHand(a.page, 'buy');
    await getHand(b.page, 'pick');
    for (const p of [a.page, b.page]) await expect(p.getByTestId('match')).toHaveAttribute('data-phase', 'JOGANDO', { timeout: 20_000 });
  });

  await test.step('chat', async () => {
    await a.page.getByTestId('chat-input').fill('boa sorte!');
    await a.page.getByTestId('chat-send').click();
    await expect(b.page.getByTestId('chat-log')).toContainText('boa sorte!');
  });

  await test.step('play the five tricks', async () => {
    let shotTaken = false;
    await playToEnd([a.page, b.page], {
      between: async () => {
        if (shotTaken) return;
        for (const p of [a.page, b.page]) {
          if ((await p.getByTestId('table-card').count()) > 0 && (await p.getByTestId('match').isVisible())) {
            await shot(p, 'match', testInfo);
            shotTaken = true;
            return;
          }
        }
      },
    });
  });

  await test.step('both see the same result', async () => {
    const ra = a.page.getByTestId('end-result');
    const rb = b.page.getByTestId('end-result');
    await expect(ra).toBeVisible();
    await expect(rb).toBeVisible();
    const [wa, wb] = [await ra.getAttribute('data-winner-id'), await rb.getAttribute('data-winner-id')];
    expect(wa).toBe(wb);
    expect(await ra.getAttribute('data-match-id')).toBe(await rb.getAttribute('data-match-id'));
    const [oa, ob] = [await ra.getAttribute('data-outcome'), await rb.getAttribute('data-outcome')];
    expect([oa, ob].sort()).toEqual(oa === 'draw' ? ['draw', 'draw'] : ['lost', 'won']);
    await shot(a.page, 'end', testInfo);
    await a.page.getByTestId('end-back').click();
    await b.page.getByTestId('end-back').click();
    await expect(a.page.getByTestId('lobby')).toBeVisible();
    // The leaderboard records the result.
    await expect(a.page.getByTestId('leaderboard-row')).not.toHaveCount(0, { timeout: 15_000 });
  });

  await test.step('trade: Alice offers one of her cards for one Bruno played', async () => {
    const trades = a.page.getByTestId('trades');
    await trades.getByTestId('trade-to').selectOption({ label: 'Bruno' });
    const wantOptions = trades.getByTestId('trade-want').locator('option');
    await expect(wantOptions).not.toHaveCount(1); // "Choose…" plus Bruno's cards seen on the table
    const wantId = await wantOptions.nth(1).getAttribute('value');
    const offerId = await trades.getByTestId('trade-offer').locator('option').nth(1).getAttribute('value');
    await trades.getByTestId('trade-want').selectOption(wantId!);
    await trades.getByTestId('trade-offer').selectOption(offerId!);
    await trades.getByTestId('trade-propose').click();

    const incoming = b.page.getByTestId('trade-incoming').first();
    await expect(incoming).toBeVisible({ timeout: 20_000 });
    await expect(incoming).toHaveAttribute('data-status', 'pending');
    await shot(b.page, 'trade-offer', testInfo);
    await incoming.getByTestId('trade-accept').click();
    await expect(incoming).toHaveAttribute('data-status', 'done', { timeout: 20_000 });
    await expect(a.page.getByTestId('trade-outgoing').first()).toHaveAttribute('data-status', 'done', { timeout: 20_000 });
    await expect(a.page.getByTestId('collection').locator(`[data-card-id="${wantId}"]`)).toBeVisible({ timeout: 15_000 });
    await expect(b.page.getByTestId('collection').locator(`[data-card-id="${offerId}"]`)).toBeVisible({ timeout: 15_000 });
    await expect(a.page.getByTestId('collection').locator(`[data-card-id="${offerId}"]`)).toHaveCount(0);
  });
});
