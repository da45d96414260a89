import { describe, expect, it } from 'vitest';
import { createBaton } from './baton.js';
import { envSource } from './env-source.js';

/** An environment whose reads throw, as Deno's do without permission (test/deno.test.ts runs Deno 2 itself). */
function refusing(name: string) {
  return new Proxy(
    {},
    {
      get(_target, key) {
        throw Object.assign(new Error(`Requires env access to "${String(key)}"`), { name });
      },
    },
  );
}

describe('envSource', () => {
  it('names --allow-env when Deno 1 refuses a read (PermissionDenied)', async () => {
    const baton = createBaton({
      sources: [envSource({ env: refusing('PermissionDenied') })],
      audit: false,
    });
    await expect(baton.getSecret('OPENAI_KEY:v2')).rejects.toThrow(
      'Source "env" failed to read OPENAI_KEY:v2: the runtime refused to read the environment variable OPENAI_KEY_V2: under Deno, run with --allow-env (or --allow-env=OPENAI_KEY_V2 to allow only it)',
    );
  });

  it('reports any other failure of the record by its kind only', async () => {
    const baton = createBaton({
      sources: [envSource({ env: refusing('TypeError') })],
      audit: false,
    });
    await expect(baton.getSecret('OPENAI_KEY:v2')).rejects.toThrow(
      'Source "env" failed to read OPENAI_KEY:v2: TypeError',
    );
  });
});
