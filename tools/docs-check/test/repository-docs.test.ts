import { describe, expect, it } from 'vitest';
import { checkDocs, docFiles, REPOSITORY_ROOT } from '../src/docs-check.js';
import { formatProblem } from '../src/problem.js';

describe("the repository's docs", () => {
  it('cover the README, every page under docs/ and every package README', async () => {
    const files = await docFiles(REPOSITORY_ROOT);
    expect(files[0]).toBe('README.md');
    expect(files).toContain('docs/README.md');
    expect(files).toContain('docs/guides/rotation.md');
    expect(files).toContain('packages/core/README.md');
  });

  it('typecheck, run and link without a problem', { timeout: 300_000 }, async () => {
    const result = await checkDocs({ root: REPOSITORY_ROOT });
    expect(result.problems.map(formatProblem)).toEqual([]);
    expect(result.typechecked).toBeGreaterThan(20);
    expect(result.ran).toBeGreaterThan(3);
  });
});
