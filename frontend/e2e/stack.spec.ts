import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS_DIR, launchChromium, watchErrors } from '../scripts/lib.mjs';

const APP_URL = process.env.CODE_REMOTE_URL ?? '';
const USER = process.env.CODE_REMOTE_DEMO_USER ?? '';
const PASSWORD = process.env.CODE_REMOTE_DEMO_PASSWORD ?? '';
const SHOTS = join(ARTIFACTS_DIR, 'e2e');
const RESULT_TIMEOUT = 60_000;

let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/**
 * Replaces the editor's content the way a user pasting would (typing newlines would trigger
 * Monaco's auto-indent), then checks what the app stored.
 */
async function replaceCode(code: string): Promise<void> {
  await page.locator('.monaco-editor .view-lines').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.evaluate((text) => {
    const clipboardData = new DataTransfer();
    clipboardData.setData('text/plain', text);
    const target = document.activeElement ?? document.body;
    target.dispatchEvent(new ClipboardEvent('paste', { clipboardData, bubbles: true, cancelable: true }));
  }, code);
  const stored = await page.evaluate(() => window.localStorage.getItem('code-remote.code'));
  expect(stored).toBe(code);
}

describe.skipIf(!APP_URL)('Code Remote against a running stack', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    errors = watchErrors(page);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('signs in as the demo user', async () => {
    await page.goto(APP_URL);
    await page.getByLabel('Email or username').fill(USER);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 30_000 });
    await page.locator('[data-testid="code-editor"][data-ready="true"]').waitFor({ timeout: 30_000 });
    await page.getByText('Live results').waitFor({ timeout: 15_000 });
    await shot('01-signed-in');
  });

  it('runs code and shows its output', async () => {
    await replaceCode('total = sum(range(10))\nprint("sum is", total)\n');
    await page.keyboard.press('ControlOrMeta+Enter');
    const stdout = page.getByTestId('stdout');
    await stdout.waitFor({ timeout: RESULT_TIMEOUT });
    expect(await stdout.textContent()).toBe('sum is 45\n');
    await expect(page.getByText('Finished successfully').isVisible()).resolves.toBe(true);
    await expect(page.getByText(/^Ran in /).isVisible()).resolves.toBe(true);
    await shot('02-run-output');
  });

  it('marks a security violation in the editor', async () => {
    await replaceCode('x = 1\nimport os\nprint(os.getcwd())\n');
    await page.getByRole('toolbar').getByRole('button', { name: 'Run' }).click();
    const violations = page.locator('.violations');
    await violations.waitFor({ timeout: RESULT_TIMEOUT });
    expect(await violations.textContent()).toContain('Line 2');
    const squiggle = page.locator('.monaco-editor .squiggly-error');
    await squiggle.first().waitFor({ timeout: 10_000 });
    expect(await squiggle.count()).toBeGreaterThan(0);
    await shot('03-security-violation');
  });

  it('analyzes code and shows its complexity', async () => {
    await replaceCode(
      'def pairs(items):\n    out = []\n    for a in items:\n        for b in items:\n            out.append((a, b))\n    return out\n',
    );
    await page.getByRole('toolbar').getByRole('button', { name: 'Analyze' }).click();
    const time = page.locator('[data-testid="analysis-result"] .badge-time');
    await time.waitFor({ timeout: 90_000 });
    expect(await time.textContent()).toMatch(/O\(/);
    await shot('04-analysis');
  });

  it('saves a snippet and finds it through search', async () => {
    const title = `E2E binary search ${Date.now()}`;
    await replaceCode(
      'def binary_search(items, target):\n    lo, hi = 0, len(items) - 1\n    while lo <= hi:\n        mid = (lo + hi) // 2\n        if items[mid] == target:\n            return mid\n        if items[mid] < target:\n            lo = mid + 1\n        else:\n            hi = mid - 1\n    return -1\n',
    );
    await page.getByRole('toolbar').getByRole('button', { name: 'Save' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Title').fill(title);
    await dialog.getByLabel('Description').fill('Binary search over a sorted list, written by the e2e suite.');
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 15_000 });
    await page.getByRole('toolbar').getByText(title).waitFor();

    await page.getByRole('tab', { name: 'Library' }).click();
    await page.getByRole('list', { name: 'Saved snippets' }).getByText(title).waitFor({ timeout: 15_000 });

    await page.getByRole('tab', { name: 'Search' }).click();
    await page.getByLabel('Search your snippets').fill(title);
    const found = page.getByRole('list', { name: 'Search results' }).getByText(title);
    // The graph store is synced asynchronously after the save: search again until it shows up.
    const deadline = Date.now() + 60_000;
    for (;;) {
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      const visible = await found
        .waitFor({ timeout: 3_000 })
        .then(() => true)
        .catch(() => false);
      if (visible) break;
      if (Date.now() > deadline) throw new Error(`"${title}" not found by search within 60 s`);
    }
    await expect(page.locator('.results .score').first().textContent()).resolves.toMatch(/% match/);
    await shot('05-search');
  });

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate(() => window.localStorage.getItem('code-remote.session'))).toBeNull();
    await shot('06-signed-out');
    expect(errors.filter((error) => error.startsWith('pageerror'))).toEqual([]);
  });
});
