import { makeCorpus } from '@baton-tools/scan-corpus';
import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES, scanText } from '../src/index.js';

// A corpus drawn with another seed than the benchmark's, so the rules are not tuned to it.
const cases = makeCorpus({ seed: 99, perKind: 8 });

describe('the built-in rules on the labelled corpus', () => {
  it.each(cases.filter((item) => item.secret).map((item) => [item.id, item] as const))(
    'finds the secret in %s',
    (_, item) => {
      expect(scanText(item.content, BUILTIN_RULES, { file: item.path })).not.toEqual([]);
    },
  );

  it.each(cases.filter((item) => !item.secret).map((item) => [item.id, item] as const))(
    'reports nothing in the look-alike %s',
    (_, item) => {
      expect(scanText(item.content, BUILTIN_RULES, { file: item.path })).toEqual([]);
    },
  );
});
