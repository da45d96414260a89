import { build, type Metafile } from 'esbuild';

export interface WorkerdBundleOptions {
  /** Default `false`. */
  minify?: boolean;
  /** Packages left out of the bundle (to measure what each one costs). Default none. */
  external?: string[];
}

export interface WorkerdBundle {
  code: string;
  /** esbuild's account of the inputs, named relative to the working directory. */
  metafile: Metafile;
}

/**
 * Bundles a Worker entry with its dependencies for workerd: ESM, no Node built-ins, workspace
 * packages from their TypeScript sources (the `@baton/source` condition).
 *
 * @example
 * const { code } = await bundleForWorkerd(new URL('./worker.ts', import.meta.url));
 * new Miniflare({ modules: true, script: code, bindings });
 */
export async function bundleForWorkerd(
  entry: URL,
  options: WorkerdBundleOptions = {},
): Promise<WorkerdBundle> {
  const result = await build({
    entryPoints: [entry.pathname],
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
