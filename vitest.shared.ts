import { defineConfig, mergeConfig, type ViteUserConfig } from 'vitest/config';

/**
 * Test settings every project shares: workspace packages resolve to their TypeScript
 * sources (the `@baton/source` export condition), so tests never need a build.
 */
export function batonTestConfig(overrides: ViteUserConfig = {}): ViteUserConfig {
  // Not Vite's default 'module' condition: packages such as @opentelemetry/api map it to
  // files that only bundlers can load.
  const conditions = ['@baton/source', 'node', 'development|production'];
  return mergeConfig(
    defineConfig({
      resolve: { conditions },
      ssr: { resolve: { conditions, externalConditions: ['@baton/source'] } },
      test: {
        globals: false,
        environment: 'node',
        include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        testTimeout: 20_000,
        hookTimeout: 30_000,
      },
    }),
    overrides,
  );
}
