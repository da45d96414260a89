import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkEntryPurity } from '../src/entry-purity.js';
import { hostGlobalsReadAtImport } from '../src/import-trace.js';

const coreEntry = fileURLToPath(new URL('../../../packages/core/src/index.ts', import.meta.url));
const fixture = (name: string) =>
  fileURLToPath(new URL(`./fixtures/${name}/index.ts`, import.meta.url));

describe("@baton/core's main entry", () => {
  it('imports nothing from node: and does no work at import time', () => {
    expect(checkEntryPurity(coreEntry)).toEqual([]);
  });

  it('reads no host global while it loads (process, crypto, timers, console…)', async () => {
    expect(await hostGlobalsReadAtImport(coreEntry, { stubPackages: true })).toEqual([]);
  });

  it('loads with its dependencies in a context that has only ECMAScript built-ins', async () => {
    // @opentelemetry/api keeps a reference to console's methods when it loads; nothing else.
    expect(await hostGlobalsReadAtImport(coreEntry)).toEqual(['console']);
  });
});

describe('the checks themselves', () => {
  it('catch a node: import anywhere in the import graph', () => {
    expect(checkEntryPurity(fixture('node-import'))).toEqual([
      { file: 'helper.ts', line: 1, rule: 'node-import', detail: 'imports "node:fs"' },
      { file: 'index.ts', line: 2, rule: 'node-import', detail: 'imports "path"' },
    ]);
  });

  it('catch work at import time: calls, global reads, static blocks, decorators', () => {
    const found = checkEntryPurity(fixture('import-work')).map((v) => `${v.line}: ${v.detail}`);
    expect(found).toEqual([
      '3: initializer runs process.env.API_KEY',
      '4: initializer runs new TextEncoder()',
      '5: initializer runs Date.now()',
      "6: top-level statement runs on import: console.warn('loaded');",
      '8: static blocks run on import',
      '13: initializer runs ...shared',
    ]);
  });

  it('accept pure declarations: literals, frozen literals, local names, functions, classes', () => {
    expect(checkEntryPurity(fixture('pure'))).toEqual([]);
  });

  it('notice a host global read at import, even an optional one', async () => {
    expect(await hostGlobalsReadAtImport(fixture('import-work'))).toEqual([
      'TextEncoder',
      'console',
      'process',
    ]);
  });
});
