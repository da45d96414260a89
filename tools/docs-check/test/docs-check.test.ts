import { beforeAll, describe, expect, it } from 'vitest';
import { checkDocs, REPOSITORY_ROOT } from '../src/docs-check.js';
import { formatProblem } from '../src/problem.js';

const fixture = (name: string) => `tools/docs-check/test/fixtures/${name}.md`;
const FIXTURES = ['valid', 'type-errors', 'run-failure', 'tags', 'nocheck', 'links'];

/** One check over every fixture (one TypeScript program), then each test reads its file's problems. */
let checked: Awaited<ReturnType<typeof checkDocs>>;

beforeAll(async () => {
  checked = await checkDocs({ root: REPOSITORY_ROOT, files: FIXTURES.map(fixture) });
}, 120_000);

function problemsOf(name: string): string[] {
  return checked.problems.filter((problem) => problem.file === fixture(name)).map(formatProblem);
}

describe('the docs check', () => {
  it('passes a page whose blocks typecheck and run, and whose links resolve', () => {
    expect(problemsOf('valid')).toEqual([]);
    expect(checked.files).toBe(FIXTURES.length);
  });

  it('names the markdown file and line of each type error', () => {
    const lines = problemsOf('type-errors');
    expect(lines).toEqual([
      expect.stringMatching(
        /^tools\/docs-check\/test\/fixtures\/type-errors\.md:8: TS2322 Type '\(chunk: string\) => boolean' is not assignable/,
      ),
      "tools/docs-check/test/fixtures/type-errors.md:14: TS2304 Cannot find name 'baton'.",
    ]);
  });

  it('reports a run block that throws at the line that threw, with the error', () => {
    const lines = problemsOf('run-failure');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^tools\/docs-check\/test\/fixtures\/run-failure\.md:6: the block tagged "ts run" failed \(exit code 1\):/,
    );
    expect(lines[0]).toContain('Error: the example expected ready to be true');
    expect(lines[0]).toContain('(tools/docs-check/test/fixtures/run-failure.md:6:26)');
  });

  it('stops a run block that outlives its time', async () => {
    const result = await checkDocs({
      root: REPOSITORY_ROOT,
      files: [fixture('run-timeout')],
      runTimeoutMs: 3000,
    });
    expect(result.problems.map(formatProblem)).toEqual([
      'tools/docs-check/test/fixtures/run-timeout.md:3: the block tagged "ts run" did not finish within 3000 ms',
    ]);
  });

  it('refuses untagged blocks and unknown tags, and checks blocks inside list items', () => {
    const lines = problemsOf('tags');
    expect(lines).toEqual([
      'tools/docs-check/test/fixtures/tags.md:3: a code block without a language: tag it (ts, sh, json, text, …)',
      'tools/docs-check/test/fixtures/tags.md:7: unknown tag "runn" on a TypeScript block: use "run" or "nocheck"',
      'tools/docs-check/test/fixtures/tags.md:11: a block cannot be both "run" and "nocheck"',
      "tools/docs-check/test/fixtures/tags.md:18: TS2322 Type 'number' is not assignable to type 'string'.",
    ]);
  });

  it('skips nocheck blocks but fails when there are more than a handful', () => {
    expect(checked.nocheck).toBe(4);
    // Their deliberate type errors are not reported: only the count is.
    expect(problemsOf('nocheck')).toEqual([
      'tools/docs-check/test/fixtures/nocheck.md:15: 4 blocks are tagged "ts nocheck", at most 3 may be: declare the names a block needs instead (docs/README.md, "Writing docs")',
    ]);
  });

  it('finds links to missing pages and headings, here and on the repository', () => {
    const lines = problemsOf('links');
    expect(lines).toEqual([
      'tools/docs-check/test/fixtures/links.md:5: the link missing.md points at tools/docs-check/test/fixtures/missing.md, which does not exist',
      'tools/docs-check/test/fixtures/links.md:6: the link valid.md#no-such-heading names #no-such-heading, a heading tools/docs-check/test/fixtures/valid.md does not have',
      'tools/docs-check/test/fixtures/links.md:6: the link #nowhere names #nowhere, a heading tools/docs-check/test/fixtures/links.md does not have',
      'tools/docs-check/test/fixtures/links.md:8: the link https://github.com/baton-secrets/baton/blob/main/docs/nothing.md points at docs/nothing.md, which does not exist',
    ]);
  });
});
