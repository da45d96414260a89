import { createContext, runInContext, runInNewContext } from 'node:vm';
import { build, type Plugin } from 'esbuild';

/** V8 puts `console` in every context, but logging on import is host work all the same. */
const ALWAYS_HOST = ['console'];
/** Globals some runtime provides beyond ECMAScript, which core may use only when called. */
const EDGE_GLOBALS = [
  'self',
  'window',
  'navigator',
  'caches',
  'Deno',
  'Bun',
  'WebSocketPair',
  'HTMLRewriter',
];

export interface TraceOptions {
  /**
   * Replace every package import with an inert stand-in, so only the entry's own modules are
   * judged (dependencies answer for their own import-time behaviour). Default `false`.
   */
  stubPackages?: boolean;
}

/**
 * Bundles an entry for a neutral platform, evaluates it in a fresh V8 context that holds only
 * ECMAScript built-ins plus tripwires for every host global (`process`, `crypto`,
 * `setTimeout`, `console`, …), and answers the host globals read while the bundle loaded.
 * An empty answer means importing the entry does no host work, so it loads unchanged on
 * Node, workerd, Bun and Deno.
 */
export async function hostGlobalsReadAtImport(
  entry: string,
  options: TraceOptions = {},
): Promise<string[]> {
  const bundle = await build({
    plugins: options.stubPackages ? [stubPackages] : [],
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: '__entry',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    conditions: ['@baton/source'],
    logLevel: 'silent',
  });
  const code = bundle.outputFiles[0]?.text ?? '';
  const builtins = new Set<string>(runInNewContext('Object.getOwnPropertyNames(globalThis)'));
  const hostGlobals = new Set([...Object.getOwnPropertyNames(globalThis), ...EDGE_GLOBALS]);
  for (const name of builtins) if (!ALWAYS_HOST.includes(name)) hostGlobals.delete(name);

  const reads = new Set<string>();
  const sandbox: Record<string, unknown> = { [STUB_GLOBAL]: ghost() };
  for (const name of hostGlobals) {
    Object.defineProperty(sandbox, name, {
      get() {
        reads.add(name);
        return ghost();
      },
      configurable: true,
    });
  }
  const context = createContext(sandbox);
  runInContext(code, context, { filename: entry });
  if (typeof runInContext('__entry', context) !== 'object') {
    throw new Error(`the bundle of ${entry} did not evaluate to a module namespace`);
  }
  return [...reads].sort();
}

const STUB_GLOBAL = '__stubbedPackage';

/** Resolves bare package imports to a module that hands out the inert stand-in. */
const stubPackages: Plugin = {
  name: 'stub-packages',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) =>
      args.kind === 'entry-point' ? undefined : { path: args.path, namespace: 'stub' },
    );
    builder.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: `module.exports = ${STUB_GLOBAL};`,
      loader: 'js',
    }));
  },
};

/** A stand-in that absorbs any use (property, call, `new`), so loading goes on to the end. */
function ghost(): unknown {
  const absorb: ProxyHandler<object> = {
    get: (_target, key) => (key === Symbol.toPrimitive ? () => '' : ghost()),
    apply: () => ghost(),
    construct: () => ghost() as object,
  };
  // A plain function, not an arrow: only functions with [[Construct]] can be `new`ed.
  return new Proxy(function standIn() {}, absorb);
}
