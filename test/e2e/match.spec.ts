// Two players in two browser contexts (or two desktop apps) on different peers: names, packs,
// queue, a whole match through the screens with the same result on both, then a trade.
import { test, expect, shot, type Player } from './fixtures.ts';
import { buyPack, getHand, joinQueue, playToEnd, setName } from './helpers.ts';
import { PORTUGUESE, narratedTexts } from './language.ts';

test.describe.configure({ mode: 'serial' });

test('two players on different peers play a whole match in English, see each trick resolve, then trade by names and pictures', async ({ openPlayer }, testInfo) => {
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
    await expect(a.page.getByTestId('queue-timer')).toContainText(/Waiting for 0:0\d/);
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

  const texts: string[] = [];
  await test.step('play the five tricks: each resolves visibly on both screens, the last one included', async () => {
    let shotTaken = false;
    let resolved = 0;
    await playToEnd([a.page, b.page], {
      between: async (_moves, page, tableBefore) => {
        if (tableBefore === 1) {
          // This move closed a trick: both screens show its two cards and who won it.
          resolved++;
          for (const p of [a.page, b.page]) {
            const r = p.getByTestId('trick-result');
            await expect(r).toBeVisible({ timeout: 5000 });
            await expect(p.getByTestId('table').getByTestId('table-card')).toHaveCount(2);
          }
          const [ra, rb] = [a.page, b.page].map((p) => p.getByTestId('trick-result'));
          expect(await ra.getAttribute('data-round')).toBe(await rb.getAttribute('data-round'));
          expect(await ra.getAttribute('data-winner-id')).toBe(await rb.getAttribute('data-winner-id'));
          if (resolved === 1) {
            await shot(a.page, 'trick-resolved', testInfo);
            await shot(b.page, 'trick-resolved-other', testInfo);
          }
        }
        for (const p of [a.page, b.page]) texts.push(...(await narratedTexts(p).catch(() => [])));
        if (shotTaken) return;
        if ((await page.getByTestId('table-card').count()) > 0 && (await page.getByTestId('match').isVisible())) {
          await shot(page, 'match', testInfo);
          shotTaken = true;
        }
      },
    });
    expect(resolved).toBe(5);
  });

  await test.step('no Portuguese in the timeline and banners of an English match', async () => {
    expect(texts.length).toBeGreaterThan(10);
    for (const t of texts) expect(t, t).not.toMatch(PORTUGUESE);
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
    // The leaderboard records the result, under the players' current names.
    await expect(a.page.getByTestId('leaderboard-row')).not.toHaveCount(0, { timeout: 15_000 });
    await expect(a.page.getByTestId('leaderboard')).toContainText('Bruno', { timeout: 20_000 });
    await expect(a.page.getByTestId('leaderboard')).not.toContainText('Jogador-');
  });

  await test.step('trade: Alice picks Bruno by name and the cards by their pictures; Bruno gets a badge and a notice', async () => {
    const trades = a.page.getByTestId('trades');
    await trades.getByTestId('trade-to').selectOption({ label: 'Bruno' });
    // No raw ids anywhere in the form.
    await expect(trades).not.toContainText(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    const want = trades.getByTestId('trade-want-option').first();
    await expect(want).toBeVisible(); // Bruno's cards seen on the table, as pictures
    const wantId = await want.getAttribute('data-card-id');
    const offer = trades.getByTestId('trade-offer-option').first();
    const offerId = await offer.getAttribute('data-card-id');
    await want.click();
    await offer.click();
    await expect(want).toHaveAttribute('aria-pressed', 'true');
    await shot(a.page, 'trade-form', testInfo);
    await trades.getByTestId('trade-propose').click();

    await expect(b.page.getByTestId('trade-badge')).toHaveText('1', { timeout: 20_000 });
    await expect(b.page.getByTestId('trade-notice')).toContainText('Alice offers you a trade');
    await shot(b.page, 'trade-notice', testInfo);
    await b.page.getByTestId('trade-notice-show').click();
    const incoming = b.page.getByTestId('trade-incoming').first();
    await expect(incoming).toBeVisible({ timeout: 20_000 });
    await expect(incoming).toHaveAttribute('data-status', 'pending');
    await shot(b.page, 'trade-offer', testInfo);
    await incoming.getByTestId('trade-accept').click();
    await expect(incoming).toHaveAttribute('data-status', 'done', { timeout: 20_000 });
    await expect(b.page.getByTestId('trade-badge')).toHaveCount(0);
    await expect(a.page.getByTestId('trade-outgoing').first()).toHaveAttribute('data-status', 'done', { timeout: 20_000 });
    await expect(a.page.getByTestId('collection').locator(`[data-card-id="${wantId}"]`)).toBeVisible({ timeout: 15_000 });
    await expect(b.page.getByTestId('collection').locator(`[data-card-id="${offerId}"]`)).toBeVisible({ timeout: 15_000 });
    await expect(a.page.getByTestId('collection').locator(`[data-testid="card"][data-card-id="${offerId}"]`)).toHaveCount(0);
  });
});
