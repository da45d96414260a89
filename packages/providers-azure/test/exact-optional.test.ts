import { lineOf, typeErrors } from '@baton-tools/test-kit';
import { expect, it } from 'vitest';

it('accepts azureKeyVault options read from the environment under exactOptionalPropertyTypes', () => {
  const file = new URL('./fixtures/exact-optional-user.ts', import.meta.url);
  // The one error is on the line that proves the setting is on.
  const proof = lineOf(file, 'export const strict');
  expect(typeErrors(file, { exactOptionalPropertyTypes: true })).toEqual([
    expect.stringMatching(new RegExp(`^${proof}: TS2375 `)),
  ]);
}, 60_000); // a whole TypeScript program, on a busy machine
