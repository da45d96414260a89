import { describe, expect, it } from 'vitest';
import { parseMarkdown, slug } from '../src/markdown.js';

describe('parseMarkdown', () => {
  it('finds fenced blocks with their fence line, language and flags', () => {
    const text = [
      '# Title',
      '',
      '```ts run',
      'const a = 1;',
      '```',
      '',
      '~~~sh',
      'npm test',
      '~~~',
    ].join('\n');
    expect(parseMarkdown('a.md', text).blocks).toEqual([
      { file: 'a.md', line: 3, language: 'ts', flags: ['run'], code: 'const a = 1;' },
      { file: 'a.md', line: 7, language: 'sh', flags: [], code: 'npm test' },
    ]);
  });

  it('keeps a shorter fence inside a longer one as code', () => {
    const text = ['````md', '```ts', 'x', '```', '````'].join('\n');
    expect(parseMarkdown('a.md', text).blocks).toEqual([
      { file: 'a.md', line: 1, language: 'md', flags: [], code: '```ts\nx\n```' },
    ]);
  });

  it("removes a list item's indentation from its block", () => {
    const text = ['- item', '', '  ```ts', '  if (a) {', '    b();', '  }', '  ```'].join('\n');
    expect(parseMarkdown('a.md', text).blocks[0]?.code).toBe('if (a) {\n  b();\n}');
  });

  it('takes headings and links from prose only, not from code', () => {
    const text = [
      '# Real',
      '```md',
      '# Not a heading',
      '[not](a-link.md)',
      '```',
      'See [x](b.md#y) and `[z](c.md)`.',
    ].join('\n');
    const parsed = parseMarkdown('a.md', text);
    expect([...parsed.anchors]).toEqual(['real']);
    expect(parsed.links).toEqual([{ file: 'a.md', line: 6, target: 'b.md#y' }]);
  });

  it('reports a fence that is never closed', () => {
    expect(parseMarkdown('a.md', 'text\n```ts\nconst a = 1;\n').unclosed).toEqual({ line: 2 });
  });
});

describe('slug', () => {
  it('makes the anchors GitHub makes', () => {
    expect(slug('The request body')).toBe('the-request-body');
    expect(slug('`fileStore(options)` from `@baton/core/node`')).toBe(
      'filestoreoptions-from-batoncorenode',
    );
    expect(slug('Express: `@baton/express`')).toBe('express-batonexpress');
    expect(slug('Running replicas: one registry every process shares')).toBe(
      'running-replicas-one-registry-every-process-shares',
    );
  });

  it('numbers repeated headings', () => {
    const parsed = parseMarkdown('a.md', '## Options\n## Options\n');
    expect([...parsed.anchors]).toEqual(['options', 'options-1']);
  });
});
