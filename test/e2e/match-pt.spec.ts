// The reverse of match.spec's language check: two players in Portuguese play a whole match
// and their timeline and banners contain no English.
import { test, expect, shot } from './fixtures.ts';
import { buyPack, getHand, joinQueue, playToEnd, setName } from './helpers.ts';
import { ENGLISH, narratedTexts } from './language.ts';

test('a whole match in Portuguese: no English in the timeline and banners', async ({ openPlayer }, testInfo) => {
  const a = await openPlayer('Iara', { peer: 2 });
  const b = await openPlayer('Joca', { peer: 0 });
  for (const p of [a.page, b.page]) await p.getByTestId('lang-select').selectOption('pt');
  await setName(a.page, 'Iara');
  await setName(b.page, 'Joca');
  await buyPack(a.page);
  await joinQueue(a.page);
  await joinQueue(b.page);
  for (const p of [a.page, b.page]) await expect(p.getByTestId('match')).toBeVisible({ timeout: 30_000 });
  await getHand(a.page, 'pick');
  await getHand(b.page, 'buy');
  const texts: string[] = [];
  let shotTaken = false;
  await playToEnd([a.page, b.page], {
    between: async (moves) => {
      if (!shotTaken && moves >= 3) {
        shotTaken = true;
        await shot(a.page, 'match-pt', testInfo);
      }
      for (const p of [a.page, b.page]) texts.push(...(await narratedTexts(p).catch(() => [])));
    },
  });
  for (const p of [a.page, b.page]) texts.push(...(await p.getByTestId('end-screen').allTextContents()));
  expect(texts.length).toBeGreaterThan(10);
  for (const t of texts) expect(t, t).not.toMatch(ENGLISH);
  await expect(a.page.getByTestId('end-screen')).toContainText(/Você venceu|Você perdeu|Empate/);
  await shot(a.page, 'end-pt', testInfo);
});
