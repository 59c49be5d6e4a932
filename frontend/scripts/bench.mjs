// Benchmark: the production bundle's size (raw and gzip, per asset and in total, and what the
// first page load fetches), and time to interactive in Chromium: navigation start to the editor
// being ready (the `code-remote:editor-ready` performance mark), median of 5 cold loads.
//
// Without CODE_REMOTE_URL it serves dist/ itself with a stored offline session (no backend);
// with CODE_REMOTE_URL (+ CODE_REMOTE_DEMO_USER/PASSWORD) it signs in once and measures the stack.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DIST_DIR, fakeSession, launchChromium, offlineConfig, requireBuild, startStaticServer } from './lib.mjs';

const RUNS = 5;

/** @param {string} dir @returns {string[]} */
function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** @param {number} bytes */
function kib(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function bundleSizes() {
  const rows = filesUnder(DIST_DIR)
    .map((path) => {
      const content = readFileSync(path);
      return { name: relative(DIST_DIR, path), raw: content.length, gzip: gzipSync(content, { level: 9 }).length };
    })
    .sort((a, b) => b.gzip - a.gzip);
  const width = Math.max(...rows.map((row) => row.name.length));
  console.log('Bundle (dist/):');
  console.log(`  ${'asset'.padEnd(width)}  ${'raw'.padStart(12)}  ${'gzip'.padStart(12)}`);
  for (const row of rows) {
    console.log(`  ${row.name.padEnd(width)}  ${kib(row.raw).padStart(12)}  ${kib(row.gzip).padStart(12)}`);
  }
  /** @param {(row: { name: string }) => boolean} keep */
  const sum = (keep) =>
    rows.filter(keep).reduce((total, row) => ({ raw: total.raw + row.raw, gzip: total.gzip + row.gzip }), { raw: 0, gzip: 0 });
  const total = sum(() => true);
  const js = sum((row) => row.name.endsWith('.js'));
  const css = sum((row) => row.name.endsWith('.css'));
  const html = readFileSync(join(DIST_DIR, 'index.html'), 'utf8');
  const entry = new Set([...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((match) => match[1]));
  const initial = sum((row) => entry.has(row.name) || row.name === 'index.html');
  console.log(`  ${'total'.padEnd(width)}  ${kib(total.raw).padStart(12)}  ${kib(total.gzip).padStart(12)}`);
  console.log(`  JS ${kib(js.raw)} raw / ${kib(js.gzip)} gzip; CSS ${kib(css.raw)} raw / ${kib(css.gzip)} gzip`);
  console.log(`  first load (index.html + entry assets, sign-in screen): ${kib(initial.raw)} raw / ${kib(initial.gzip)} gzip`);
}

/** @param {number[]} values */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/**
 * @param {import('playwright-core').Browser} browser
 * @param {string} url
 * @param {string} session the stored session (JSON) that skips the sign-in screen
 */
async function timeToEditor(browser, url, session) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript((value) => {
    if (!window.localStorage.getItem('code-remote.session')) window.localStorage.setItem('code-remote.session', value);
  }, session);
  const page = await context.newPage();
  await page.goto(url);
  await page.locator('[data-testid="code-editor"][data-ready="true"]').waitFor({ timeout: 30_000 });
  const ms = await page.evaluate(() => performance.getEntriesByName('code-remote:editor-ready')[0]?.startTime ?? NaN);
  await context.close();
  return ms;
}

/**
 * @param {import('playwright-core').Browser} browser
 * @param {string} url
 */
async function signInOnce(browser, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  await page.getByLabel('Email or username').fill(process.env.CODE_REMOTE_DEMO_USER ?? '');
  await page.getByLabel('Password').fill(process.env.CODE_REMOTE_DEMO_PASSWORD ?? '');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: 30_000 });
  const session = await page.evaluate(() => window.localStorage.getItem('code-remote.session'));
  await context.close();
  if (!session) throw new Error('no session stored after sign-in');
  return session;
}

requireBuild();
bundleSizes();

const stackUrl = process.env.CODE_REMOTE_URL;
const serverConfig = {};
const server = stackUrl ? null : await startStaticServer(serverConfig);
if (server) Object.assign(serverConfig, offlineConfig(server.url));
const url = stackUrl ?? server?.url ?? '';
const browser = await launchChromium();
try {
  const session = stackUrl ? await signInOnce(browser, stackUrl) : JSON.stringify(fakeSession());
  const samples = [];
  for (let run = 0; run < RUNS; run += 1) samples.push(await timeToEditor(browser, url, session));
  console.log(`Time to interactive (navigation start to editor ready), ${stackUrl ? `stack ${stackUrl}` : 'local static server, no backend'}:`);
  console.log(`  runs: ${samples.map((ms) => `${ms.toFixed(0)} ms`).join(', ')}`);
  console.log(`  median of ${RUNS}: ${median(samples).toFixed(0)} ms`);
} finally {
  await browser.close();
  await server?.close();
}
