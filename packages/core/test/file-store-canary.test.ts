/**
 * The file store's canary: a registry file damaged by a hand edit that pasted secret values
 * into it. Neither the errors nor the warnings on stderr may quote them.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureOutput } from '@baton-tools/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBaton } from '../src/index.js';
import { fileStore } from '../src/node/index.js';

const SECRET = 'sk-canary-file-store-8c3e1a9f';
const REF_SHAPED = 'ghp_CANARY9e1f3a7c5b2d8f4a6c0e9b7d';

describe('fileStore canary', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-file-canary-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('never quotes a damaged file’s content in errors or warnings', async () => {
    const path = join(dir, 'registry.json');
    const output = captureOutput();
    const errors: Error[] = [];
    try {
      const writer = createBaton({ audit: false, registry: { store: fileStore({ path }) } });
      await writer.register('HOOK', 'HOOK:v1');
      const watcher = createBaton({
        audit: false,
        registry: { store: fileStore({ path, pollIntervalMs: 10 }) },
      });
      await watcher.ready();
      const damaged = [
        `{"format":"baton-registry","version":1,"entries":[{"logical":"HOOK","currentRef":"${SECRET}"`,
        JSON.stringify({
          format: 'baton-registry',
          version: 1,
          entries: [{ logical: 'HOOK', currentRef: REF_SHAPED, activatedAt: SECRET, revision: 2 }],
          history: [],
        }),
        JSON.stringify({
          format: 'baton-registry',
          version: 1,
          entries: [{ logical: REF_SHAPED, currentRef: 'HOOK:v1', revision: 1 }],
          history: [{ logical: 'HOOK', change: SECRET }],
        }),
      ];
      for (const text of damaged) {
        const warnings = output.text().length;
        await writeFile(path, text);
        // The watcher warns on stderr (its default) once it sees the damaged file.
        const deadline = Date.now() + 10_000;
        while (output.text().length === warnings && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        await writer.promote('HOOK', 'HOOK:v2').catch((error: Error) => errors.push(error));
        await createBaton({ audit: false, registry: { store: fileStore({ path }) } })
          .ready()
          .catch((error: Error) => errors.push(error));
      }
      await writer.close();
      await watcher.close();
    } finally {
      output.restore();
    }
    expect(errors).toHaveLength(6);
    expect(errors[4]?.message).toContain('is not a ref of <a ref whose');
    for (const error of errors) output.add(error.message);
    const everything = output.text();
    expect(everything).toContain('is unusable');
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain(REF_SHAPED);
  });
});
