import { existsSync, readFileSync } from 'node:fs';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/** In `npm run dev` only: serves `/config.json` from `config.local.json` (gitignored, never built). */
function localRuntimeConfig(): Plugin {
  return {
    name: 'code-remote-local-config',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use('/config.json', (_request, response) => {
        const file = new URL('./config.local.json', import.meta.url);
        response.setHeader('Content-Type', 'application/json');
        if (!existsSync(file)) {
          response.statusCode = 404;
          response.end(JSON.stringify({ detail: 'create frontend/config.local.json (see README)' }));
          return;
        }
        response.end(readFileSync(file));
      });
    },
  };
}

export default defineConfig({
  plugins: [react(), localRuntimeConfig()],
  build: {
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 4096,
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'scripts/**/*.test.ts'],
  },
});
