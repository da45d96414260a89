import { resolve } from 'node:path';
import type { RegistryStore } from '@baton/core';
import { UsageError } from './errors.js';

/**
 * The registry store a `--store` URL names: `file:PATH` (a file store, relative to `cwd`) or
 * `postgres://…` / `postgresql://…` (`?schema=` and `?table=` choose where its tables live).
 * The PostgreSQL package is loaded only when named.
 *
 * @example
 * const store = await storeFromUrl('file:.baton/registry.json', process.cwd());
 */
export async function storeFromUrl(url: string, cwd: string): Promise<RegistryStore> {
  if (url.startsWith('file:')) {
    const path = url.slice('file:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '')
      throw new UsageError('--store file: needs a path, e.g. file:.baton/registry.json');
    const { fileStore } = await import('@baton/core/node');
    return fileStore({ path: resolve(cwd, path) });
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (error) {
      throw new UsageError('--store: the PostgreSQL URL does not parse', { cause: error });
    }
    const schema = parsed.searchParams.get('schema') ?? undefined;
    const table = parsed.searchParams.get('table') ?? undefined;
    parsed.searchParams.delete('schema');
    parsed.searchParams.delete('table');
    const { postgresStore } = await importOptional<typeof import('@baton/registry-postgres')>(
      '@baton/registry-postgres',
      'a postgres:// store',
    );
    return postgresStore({
      connectionString: parsed.href,
      ...(schema === undefined ? {} : { schema }),
      ...(table === undefined ? {} : { table }),
    });
  }
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? url;
  throw new UsageError(
    `--store: unknown scheme "${scheme}"; use file:PATH or postgres://USER@HOST:PORT/DB`,
  );
}

/** Imports an optional peer package, or says which package to install. */
export async function importOptional<T>(name: string, purpose: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      throw new UsageError(`${purpose} needs ${name}: npm install ${name}`, { cause: error });
    }
    throw error;
  }
}
