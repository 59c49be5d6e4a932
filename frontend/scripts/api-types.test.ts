import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const FRONTEND_DIR = fileURLToPath(new URL('..', import.meta.url));
const API_DIR = join(FRONTEND_DIR, 'src', 'api');
const GENERATOR = join(FRONTEND_DIR, 'node_modules', '.bin', 'openapi-typescript');

/** The web app's API types are generated from the API's document; a stale copy fails here. */
describe('generated API types', () => {
  it('schema.ts is what `npm run api-types` makes of openapi.json', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'api-types-'));
    try {
      const fresh = join(scratch, 'schema.ts');
      execFileSync(GENERATOR, [join(API_DIR, 'openapi.json'), '-o', fresh], { stdio: 'pipe' });
      expect(
        readFileSync(join(API_DIR, 'schema.ts'), 'utf8') === readFileSync(fresh, 'utf8'),
        'src/api/schema.ts is stale: run `npm run api-types`',
      ).toBe(true);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
