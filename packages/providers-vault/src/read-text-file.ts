import { ConfigError } from '@baton/core';

interface FileReader {
  readFile(path: string, encoding: 'utf8'): Promise<string>;
}

/**
 * Reads a text file where the runtime has a file system (Node, Bun, Deno), through
 * `process.getBuiltinModule`, so that no `node:` import stands in the package: bundlers for the
 * edge (and workerd, which refuses computed dynamic imports) see nothing to resolve.
 */
export async function readTextFile(path: string): Promise<string> {
  const host = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
  const fs = host.process?.getBuiltinModule?.('node:fs/promises') as FileReader | undefined;
  if (fs === undefined) {
    throw new ConfigError(
      `vaultKubernetes: this runtime has no file system to read ${path}; pass readJwt`,
    );
  }
  return fs.readFile(path, 'utf8');
}
