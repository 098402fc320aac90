// Conceding a match, then the match history (from the ledger) and the replay of that match
// (served by a node that verified its log), hands hidden until played.
import { test, expect, shot } from './fixtures.ts';
import { buyPack, getHand, joinQueue, setName } from './helpers.ts';

test('concede, then the history and the replay of that match', async ({ openPlayer }, testInfo) => {
  const a = await openPlayer('Kiko', { peer: 1 });
  const b = await openPlayer('Lia', { peer: 2 });
  await setName(a.page, 'Kiko');
  await setName(b.page, 'Lia');
  await buyPack(a.page);
  await buyPack(b.page);
  await joinQueue(a.page);
  await joinQueue(b.page);
  for (const p of [a.page, b.page]) await expect(p.getByTestId('match')).toBeVisible({ timeout: 30_000 });
  const matchId = (await a.page.getByTestId('match').getAttribute('data-match-id'))!;
  await getHand(a.page, 'pick');
  await getHand(b.page, 'pick');
  for (const p of [a.page, b.page]) await expect(p.getByTestId('match')).toHaveAttribute('data-phase', 'JOGANDO', { timeout: 20_000 });

  await test.step('the leader plays one card, then the other player concedes', async () => {
    const leader = (await a.page.getByTestId('turn-indicator').getAttribute('data-mine')) === 'true' ? a : b;
    const other = leader === a ? b : a;
    await leader.page.getByTestId('hand').getByTestId('hand-card').first().click();
    await expect(other.page.getByTestId('table').getByTestId('table-card')).toHaveCount(1);
    // The cluster view and the rules are reachable during the match, and lead back to it.
    await other.page.getByTestId('match-cluster').click();
    await expect(other.page.getByTestId('cluster-view')).toBeVisible();
    await shot(other.page, 'cluster-during-match', testInfo);
    await other.page.getByTestId('back-to-match').click();
    await other.page.getByTestId('match-rules').click();
    await expect(other.page.getByTestId('rules')).toBeVisible();
    await other.page.getByTestId('back-to-match').click();

    await other.page.getByTestId('concede').click();
    await expect(other.page.getByTestId('concede-dialog')).toBeVisible();
    await shot(other.page, 'concede', testInfo);
    await other.page.getByTestId('concede-confirm').click();
    await expect(other.page.getByTestId('end-result')).toHaveAttribute('data-outcome', 'lost', { timeout: 20_000 });
    await expect(leader.page.getByTestId('end-result')).toHaveAttribute('data-outcome', 'won', { timeout: 20_000 });
    await expect(other.page.getByTestId('end-screen')).toContainText('gave up');
    await shot(leader.page, 'end-conceded', testInfo);
    for (const p of [a.page, b.page]) await p.getByTestId('end-back').click();
  });

  await test.step('the match history lists it: opponent, result, date', async () => {
    await a.page.getByTestId('nav-history').click();
    const row = a.page.locator(`[data-testid="history-row"][data-match-id="${matchId}"]`);
    await expect(row).toBeVisible({ timeout: 20_000 });
    await expect(row).toContainText('Lia');
    await expect(row).toContainText(/your opponent conceded|you conceded/);
    await expect(row.locator('td').first()).not.toHaveText('—'); // the date
    const result = await row.getAttribute('data-result');
    expect(['won', 'lost']).toContain(result);
    await shot(a.page, 'history', testInfo);
  });

  await test.step('the replay steps through the log, a card shown only once played', async () => {
    await a.page.locator(`[data-testid="history-row"][data-match-id="${matchId}"]`).getByTestId('history-replay').click();
    const replay = a.page.getByTestId('replay');
    await expect(replay).toBeVisible();
    await expect(a.page.getByTestId('replay-node')).toContainText(/verified and served by node p[123]/, { timeout: 20_000 });
    const total = Number(await replay.getAttribute('data-total'));
    expect(total).toBeGreaterThanOrEqual(5); // start, two hands, one card, the concession
    // Steps 1–3: the match and the hands — no card on the table, none revealed.
    await a.page.getByTestId('replay-first').click();
    for (let i = 0; i < 3; i++) await a.page.getByTestId('replay-next').click();
    await expect(a.page.getByTestId('replay-card')).toHaveCount(0);
    await expect(a.page.getByTestId('replay-caption')).toContainText(/Hands ready/);
    await a.page.getByTestId('replay-next').click();
    await expect(a.page.getByTestId('replay-card')).toHaveCount(1);
    await shot(a.page, 'replay', testInfo);
    await a.page.getByTestId('replay-last').click();
    await expect(a.page.getByTestId('replay-caption')).toContainText(/conceded/);
    // Only the one card played was ever sent: the rest of both hands stays hidden.
    await expect(a.page.getByTestId('replay-card-face')).toHaveCount(1);
    await a.page.getByTestId('replay-close').click();
    await expect(a.page.getByTestId('history')).toBeVisible();
  });
});
