import type { RegistryStore } from '@baton/core';
import { storeContract } from '@baton-tools/test-kit';
import { adminDatabase, DATABASE_URL, postgresAvailable } from '@baton-tools/test-kit/postgres';
import { afterAll, describe, it } from 'vitest';
import { postgresStore } from '../src/index.js';

const available = await postgresAvailable();

describe.skipIf(!available)('postgresStore follows the store contract', () => {
  const database = adminDatabase();
  const schema = database.schema();
  const stores: RegistryStore[] = [];
  afterAll(async () => {
    for (const store of stores) await store.close?.();
    await database.cleanup();
  });

  storeContract.forEach((rule, index) => {
    it(rule.name, async () => {
      // A table per case: each starts empty.
      const store = postgresStore({ connectionString: DATABASE_URL, schema, table: `t${index}` });
      stores.push(store);
      await rule.run(store);
    });
  });
});
