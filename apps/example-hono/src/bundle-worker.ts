import {
  bundleForWorkerd,
  type WorkerdBundle,
  type WorkerdBundleOptions,
} from '@baton-tools/test-kit/workerd';

export type BundleOptions = WorkerdBundleOptions;
export type WorkerBundle = WorkerdBundle;

/**
 * Bundles the Worker (`src/worker.ts`) with its dependencies, workspace packages from their
 * TypeScript sources (the `@baton/source` condition), for workerd: ESM, no Node built-ins.
 *
 * @example
 * const { code } = await bundleWorker();
 * new Miniflare({ modules: true, script: code, bindings });
 */
export function bundleWorker(options: BundleOptions = {}): Promise<WorkerBundle> {
  return bundleForWorkerd(new URL('./worker.ts', import.meta.url), options);
}
