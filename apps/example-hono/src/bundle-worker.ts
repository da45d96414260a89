import { build, type Metafile } from 'esbuild';

export interface BundleOptions {
  /** Default `false`. */
  minify?: boolean;
  /** Packages left out of the bundle (to measure what each one costs). Default none. */
  external?: string[];
}

export interface WorkerBundle {
  code: string;
  metafile: Metafile;
}

/**
 * Bundles the Worker (`src/worker.ts`) with its dependencies, workspace packages from their
 * TypeScript sources (the `@baton/source` condition), for workerd: ESM, no Node built-ins.
 *
 * @example
 * const { code } = await bundleWorker();
 * new Miniflare({ modules: true, script: code, bindings });
 */
export async function bundleWorker(options: BundleOptions = {}): Promise<WorkerBundle> {
  const result = await build({
    entryPoints: [new URL('./worker.ts', import.meta.url).pathname],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    mainFields: ['module', 'main'],
    conditions: ['@baton/source', 'workerd', 'worker', 'browser'],
    minify: options.minify ?? false,
    external: options.external ?? [],
    metafile: true,
    logLevel: 'silent',
  });
  return { code: result.outputFiles[0]?.text ?? '', metafile: result.metafile };
}
