// The desktop splash page (electron/splash-page.ts), rendered in Chromium: no Electron runtime
// is needed to look at it. It must work without scripts (the splash window disables them).
import { test, expect, shot } from './fixtures.ts';
import { SPLASH_HTML } from '../../electron/splash-page.ts';

test('the desktop splash page renders without scripts', async ({ browser, target }, testInfo) => {
  test.skip(target === 'electron', 'a static page: rendered once, in the browser project');
  const context = await browser.newContext({ viewport: { width: 420, height: 260 }, javaScriptEnabled: false });
  const page = await context.newPage();
  await page.setContent(SPLASH_HTML);
  await expect(page.locator('h1')).toHaveText('Trinca');
  await expect(page.locator('body')).toContainText('Starting your node');
  await expect(page.locator('body')).toContainText('Iniciando seu nó');
  await shot(page, 'desktop-splash', testInfo);
  await context.close();
});
