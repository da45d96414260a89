import { storeContract } from '@baton-tools/test-kit';
import { describe, it } from 'vitest';
import { memoryStore } from './memory-store.js';

describe('memoryStore follows the store contract', () => {
  for (const rule of storeContract) it(rule.name, () => rule.run(memoryStore()));
});
