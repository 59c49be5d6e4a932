// Stack-less smoke check: serves dist/ with a static /config.json and verifies in Chromium that
// the sign-in screen renders without console errors, and that the editor loads for a stored
// session; screenshots go to e2e-artifacts/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  ARTIFACTS_DIR,
  fakeSession,
  launchChromium,
  offlineConfig,
  requireBuild,
  startStaticServer,
  watchErrors,
} from './lib.mjs';

requireBuild();
mkdirSync(ARTIFACTS_DIR, { recursive: true });

const serverConfig = {};
const server = await startStaticServer(serverConfig);
Object.assign(serverConfig, offlineConfig(server.url));
const browser = await launchChromium();
const failures = [];

/**
 * @param {string} name
 * @param {() => Promise<void>} run
 */
async function check(name, run) {
  try {
    await run();
    console.log(`ok   ${name}`);
  } catch (error) {
    failures.push(name);
    console.log(`FAIL ${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

try {
  for (const viewport of [
    { name: 'desktop', width: 1280, height: 800 },
    { name: 'narrow', width: 390, height: 844 },
  ]) {
    await check(`sign-in screen renders without console errors (${viewport.name})`, async () => {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.goto(server.url);
      await page.getByRole('heading', { name: 'Code Remote' }).waitFor({ timeout: 15_000 });
      await page.getByLabel('Email or username').waitFor();
      await page.getByLabel('Password').waitFor();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      const focused = await page.evaluate(() => document.activeElement?.id);
      if (focused !== 'sign-in-username') throw new Error(`focus is on ${focused}, not the username field`);
      await page.screenshot({ path: join(ARTIFACTS_DIR, `smoke-sign-in-${viewport.name}.png`) });
      if (errors.length > 0) throw new Error(errors.join('\n'));
      await context.close();
    });
  }

  await check('editor loads with Python highlighting for a stored session', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const session = fakeSession();
    await context.addInitScript((value) => {
      window.localStorage.setItem('code-remote.session', value);
    }, JSON.stringify(session));
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(server.url);
    await page.locator('[data-testid="code-editor"][data-ready="true"]').waitFor({ timeout: 20_000 });
    await page.locator('.monaco-editor .view-lines').waitFor();
    await page.getByText('offline@example.com').waitFor();
    const keywords = await page.locator('.monaco-editor .view-lines span[class*="mtk"]').count();
    if (keywords === 0) throw new Error('no tokenized spans in the editor');
    const tokenClasses = await page
      .locator('.monaco-editor .view-lines span[class^="mtk"]')
      .evaluateAll((spans) => new Set(spans.map((span) => span.className)).size);
    if (tokenClasses < 3) throw new Error(`only ${tokenClasses} token classes: Python highlighting is missing`);
    await page.locator('.monaco-editor').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.insertText('\n# typed by the smoke check\n');
    const stored = await page.evaluate(() => window.localStorage.getItem('code-remote.code') ?? '');
    if (!stored.includes('# typed by the smoke check')) throw new Error('edited code was not kept in localStorage');
    await page.reload();
    await page.locator('[data-testid="code-editor"][data-ready="true"]').waitFor({ timeout: 20_000 });
    await page.getByText('# typed by the smoke check').waitFor();
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'smoke-editor.png') });
    // Nothing serves the API, WebSocket or Cognito here: only failures to reach them are expected.
    const unexpected = errors.filter(
      (error) => !/WebSocket connection|Failed to load resource|ERR_CONNECTION_REFUSED/.test(error),
    );
    if (unexpected.length > 0) throw new Error(unexpected.join('\n'));
    await context.close();
  });
} finally {
  await browser.close();
  await server.close();
}

if (failures.length > 0) {
  console.log(`smoke: ${failures.length} check(s) failed`);
  process.exit(1);
}
console.log(`smoke: all checks passed; screenshots in ${ARTIFACTS_DIR}`);
