/** A fenced code block of a markdown file. */
export interface CodeBlock {
  /** The markdown file, relative to the repository root (forward slashes). */
  file: string;
  /** 1-based line of the opening fence; the block's first line of code is `line + 1`. */
  line: number;
  /** The language: the first word of the info string (`ts` in ```` ```ts run ````), or ''. */
  language: string;
  /** The words after the language (`run`, `nocheck`). */
  flags: string[];
  /** The code, with the fence's indentation removed from every line. */
  code: string;
}

/** An inline link `[text](target)` outside code. */
export interface MarkdownLink {
  file: string;
  line: number;
  target: string;
}

export interface ParsedMarkdown {
  blocks: CodeBlock[];
  links: MarkdownLink[];
  /** Heading anchors as GitHub makes them (`## The request body` → `the-request-body`). */
  anchors: Set<string>;
  /** A fence that is never closed. */
  unclosed?: { line: number };
}

// Any indentation: fences inside list items are indented by the item's width.
const FENCE = /^( *)(`{3,}|~{3,})(.*)$/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const LINK = /(?<!!)\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;

/**
 * Splits a markdown file into its fenced code blocks, the links of its prose and its heading
 * anchors. Fences follow CommonMark: three or more backticks or tildes, closed by a fence of
 * the same character at least as long.
 *
 * @example
 * const { blocks } = parseMarkdown('docs/core.md', text);
 * blocks.filter((block) => block.language === 'ts');
 */
export function parseMarkdown(file: string, text: string): ParsedMarkdown {
  const lines = text.split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  const links: MarkdownLink[] = [];
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let open:
    | { line: number; indent: number; fence: string; info: string; body: string[] }
    | undefined;

  lines.forEach((text, index) => {
    const lineNumber = index + 1;
    if (open !== undefined) {
      const close = FENCE.exec(text);
      if (
        close?.[2] !== undefined &&
        close[2][0] === open.fence[0] &&
        close[2].length >= open.fence.length &&
        close[3]?.trim() === ''
      ) {
        const [language = '', ...flags] = open.info.split(/\s+/).filter((word) => word !== '');
        blocks.push({ file, line: open.line, language, flags, code: open.body.join('\n') });
        open = undefined;
      } else {
        open.body.push(stripIndent(text, open.indent));
      }
      return;
    }
    const fence = FENCE.exec(text);
    if (fence?.[2] !== undefined && !(fence[2][0] === '`' && fence[3]?.includes('`'))) {
      open = {
        line: lineNumber,
        indent: fence[1]?.length ?? 0,
        fence: fence[2],
        info: fence[3]?.trim() ?? '',
        body: [],
      };
      return;
    }
    const heading = HEADING.exec(text);
    if (heading?.[2] !== undefined) {
      const base = slug(heading[2]);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    for (const match of withoutCodeSpans(text).matchAll(LINK)) {
      if (match[1] !== undefined) links.push({ file, line: lineNumber, target: match[1] });
    }
  });

  return {
    blocks,
    links,
    anchors,
    ...(open === undefined ? {} : { unclosed: { line: open.line } }),
  };
}

/**
 * The anchor GitHub gives a heading: lowercase, markup and punctuation dropped, spaces as
 * hyphens (`` `fileStore(options)` from `@baton/core/node` `` → `filestoreoptions-from-batoncorenode`).
 */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
}

function stripIndent(text: string, indent: number): string {
  let cut = 0;
  while (cut < indent && text[cut] === ' ') cut++;
  return text.slice(cut);
}

/** Blanks out inline code, so a `[x](y)` shown as code is not taken for a link. */
function withoutCodeSpans(text: string): string {
  return text.replace(/(`+)[^`].*?\1/g, (span) => ' '.repeat(span.length));
}
