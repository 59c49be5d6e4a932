// Shared by the smoke check, the e2e runner and the benchmark: a static server for dist/ with a
// runtime config, and Debian's Chromium launched the way this machine needs it.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const FRONTEND_DIR = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const DIST_DIR = join(FRONTEND_DIR, 'dist');
export const ARTIFACTS_DIR = join(FRONTEND_DIR, 'e2e-artifacts');

/** @type {Record<string, string>} */
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
};

export function requireBuild() {
  if (!existsSync(join(DIST_DIR, 'index.html'))) {
    console.error('dist/index.html is missing: run `npm run build` first.');
    process.exit(2);
  }
}

/**
 * Serves dist/ like the stacks do (hashed assets immutable, index.html no-cache, unknown paths
 * fall back to index.html) plus `/config.json` from `config`. Resolves to { url, close }.
 * @param {object} config
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export function startStaticServer(config) {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    if (path === '/config.json') {
      response.writeHead(200, { 'Content-Type': TYPES['.json'], 'Cache-Control': 'no-cache' });
      response.end(JSON.stringify(config));
      return;
    }
    let file = normalize(join(DIST_DIR, path));
    if (!file.startsWith(DIST_DIR + sep) || !existsSync(file) || statSync(file).isDirectory()) {
      file = join(DIST_DIR, 'index.html');
    }
    const immutable = file.includes(`${sep}assets${sep}`);
    response.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    createReadStream(file).pipe(response);
  });
  return new Promise((resolvePromise) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolvePromise({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

/**
 * A runtime config for a stack-less check: nothing behind the URLs answers.
 * @param {string} baseUrl
 */
export function offlineConfig(baseUrl) {
  return {
    apiUrl: `${baseUrl}/api`,
    websocketUrl: `${baseUrl.replace(/^http/, 'ws')}/ws`,
    region: 'us-east-1',
    userPoolId: 'us-east-1_offline',
    userPoolClientId: 'offline-client',
    cognitoEndpoint: `${baseUrl}/cognito/`,
  };
}

/** Debian's Chromium, headless, with the flags this machine's closed network needs. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    // Playwright starts every launch with a new, empty temporary profile (user-data-dir).
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** @param {object} value */
function base64url(value) {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * A stored session with an unsigned, far-future ID token, so the app opens the workspace without
 * signing in. Only for stack-less checks: no API accepts this token.
 */
export function fakeSession() {
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'offline', email: 'offline@example.com', exp })}.`;
  return { idToken: token, refreshToken: 'offline-refresh', expiresAt: exp * 1000 };
}

/**
 * Records console errors and uncaught page errors of a page.
 * @param {import('playwright-core').Page} page
 */
export function watchErrors(page) {
  /** @type {string[]} */
  const errors = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return errors;
}
