import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-temp.ts'],
    projects: [
      { extends: true, test: { name: 'stdio', include: ['test/**/*.test.ts'] } },
      // The end-to-end suite again, with the built server spoken to over Streamable HTTP.
      { extends: true, test: { name: 'http', include: ['test/e2e/**/*.test.ts'], exclude: ['test/e2e/http.test.ts', 'test/e2e/http-bounds.test.ts', 'test/e2e/pack.test.ts', 'test/e2e/bundle.test.ts', 'test/e2e/shared-files.test.ts'], env: { OLLM_E2E_TRANSPORT: 'http' } } },
    ],
  },
});
