import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { checkEntryPurity } from '../src/entry-purity.js';

const vaultEntry = fileURLToPath(
  new URL('../../../packages/providers-vault/src/index.ts', import.meta.url),
);

it("@baton/providers-vault's entry imports nothing from node: and does no work at import time", () => {
  // The provider runs at the edge: it reaches the file system (Kubernetes tokens) only through
  // process.getBuiltinModule at run time.
  expect(checkEntryPurity(vaultEntry)).toEqual([]);
});
