import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CodeBlock, type ParsedMarkdown, parseMarkdown } from './markdown.js';
import type { Problem } from './problem.js';
import { runBlocks } from './run-blocks.js';
import { type BlockModule, typecheckBlocks } from './typecheck.js';

/** More `ts nocheck` blocks than this in the checked files is itself a problem. */
export const MAX_NOCHECK = 3;
/** Links to the repository on GitHub are checked against the files here. */
const REPOSITORY_URL =
  /^https:\/\/github\.com\/baton-secrets\/baton\/(?:blob|tree)\/main\/([^#?]*)(#.*)?$/;
const TYPESCRIPT = new Set(['ts', 'typescript']);
const FLAGS = new Set(['run', 'nocheck']);
/** Block modules are written here, inside the repository, so packages resolve as in the repo. */
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
/** The repository this package belongs to. */
export const REPOSITORY_ROOT = join(PACKAGE_DIR, '..', '..');

export interface DocsCheckOptions {
  /** The repository root. */
  root: string;
  /** Markdown files to check, relative to `root`. Default: {@link docFiles}. */
  files?: readonly string[];
  /** Execute the blocks tagged `ts run`. Default `true`. */
  run?: boolean;
  runTimeoutMs?: number;
  maxNocheck?: number;
}

export interface DocsCheckResult {
  problems: Problem[];
  files: number;
  typechecked: number;
  ran: number;
  nocheck: number;
}

/**
 * The markdown the check covers: the README, every page under `docs/`, and each package's
 * README.
 *
 * @example
 * await docFiles('/repo'); // ['README.md', 'docs/README.md', 'docs/core.md', …, 'packages/core/README.md']
 */
export async function docFiles(root: string): Promise<string[]> {
  const files = ['README.md'];
  if (existsSync(join(root, 'docs'))) {
    const entries = await readdir(join(root, 'docs'), { recursive: true });
    for (const entry of entries.sort()) {
      if (entry.endsWith('.md')) files.push(toPosix(join('docs', entry)));
    }
  }
  for (const name of (await readdir(join(root, 'packages'))).sort()) {
    if (existsSync(join(root, 'packages', name, 'README.md'))) {
      files.push(`packages/${name}/README.md`);
    }
  }
  return files;
}

/**
 * Checks the docs: every fenced block has a language; every block tagged `ts` or
 * `typescript` typechecks as a module of its own, with the repository's compiler settings;
 * blocks tagged `ts run` also run without failing; `ts nocheck` stays rare; and every
 * relative link (and repository link) points at a file and heading that exist. Each problem
 * names the markdown file and line.
 *
 * @example
 * const { problems } = await checkDocs({ root: '/repo' });
 * for (const problem of problems) console.error(formatProblem(problem));
 */
export async function checkDocs(options: DocsCheckOptions): Promise<DocsCheckResult> {
  const { root } = options;
  const files = options.files ?? (await docFiles(root));
  const parsed = new Map<string, ParsedMarkdown>();
  for (const file of files) {
    parsed.set(file, parseMarkdown(file, await readFile(join(root, file), 'utf8')));
  }

  const problems: Problem[] = [];
  const checked: CodeBlock[] = [];
  const nocheck: CodeBlock[] = [];
  for (const [file, markdown] of parsed) {
    if (markdown.unclosed !== undefined) {
      problems.push({
        file,
        line: markdown.unclosed.line,
        message: 'this code fence is never closed',
      });
    }
    for (const block of markdown.blocks) {
      const problem = tagProblem(block);
      if (problem !== undefined) problems.push(problem);
      else if (TYPESCRIPT.has(block.language)) {
        (block.flags.includes('nocheck') ? nocheck : checked).push(block);
      }
    }
    problems.push(...(await linkProblems(root, file, markdown, parsed)));
  }
  const maxNocheck = options.maxNocheck ?? MAX_NOCHECK;
  const excess = nocheck[maxNocheck];
  if (excess !== undefined) {
    problems.push({
      file: excess.file,
      line: excess.line,
      message: `${nocheck.length} blocks are tagged "ts nocheck", at most ${maxNocheck} may be: declare the names a block needs instead (docs/README.md, "Writing docs")`,
    });
  }

  const directory = join(PACKAGE_DIR, `.blocks-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(directory, { recursive: true });
  try {
    const modules = await writeModules(directory, checked);
    problems.push(...typecheckBlocks(root, modules));
    const runnable = modules.filter((_, index) => checked[index]?.flags.includes('run'));
    if (options.run ?? true) {
      problems.push(
        ...(await runBlocks(runnable, {
          ...(options.runTimeoutMs === undefined ? {} : { timeoutMs: options.runTimeoutMs }),
        })),
      );
    }
    return {
      problems: problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line),
      files: files.length,
      typechecked: modules.length,
      ran: options.run === false ? 0 : runnable.length,
      nocheck: nocheck.length,
    };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

function tagProblem(block: CodeBlock): Problem | undefined {
  const at = { file: block.file, line: block.line };
  if (block.language === '') {
    return { ...at, message: 'a code block without a language: tag it (ts, sh, json, text, …)' };
  }
  if (!TYPESCRIPT.has(block.language)) return undefined;
  const unknown = block.flags.filter((flag) => !FLAGS.has(flag));
  if (unknown.length > 0) {
    return {
      ...at,
      message: `unknown tag ${unknown.map((flag) => `"${flag}"`).join(', ')} on a TypeScript block: use "run" or "nocheck"`,
    };
  }
  if (block.flags.includes('run') && block.flags.includes('nocheck')) {
    return { ...at, message: 'a block cannot be both "run" and "nocheck"' };
  }
  return undefined;
}

async function writeModules(
  directory: string,
  blocks: readonly CodeBlock[],
): Promise<BlockModule[]> {
  const modules: BlockModule[] = [];
  for (const block of blocks) {
    const path = join(directory, `${block.file.replaceAll('/', '--')}-L${block.line}.ts`);
    await writeFile(path, `${block.code}\n`);
    modules.push({ path, file: block.file, line: block.line });
  }
  return modules;
}

async function linkProblems(
  root: string,
  file: string,
  markdown: ParsedMarkdown,
  parsed: ReadonlyMap<string, ParsedMarkdown>,
): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const link of markdown.links) {
    let target: string;
    let anchor: string | undefined;
    const repository = REPOSITORY_URL.exec(link.target);
    if (repository !== null) {
      target = normalize(repository[1] ?? '');
      anchor = repository[2]?.slice(1);
    } else if (/^[a-z][a-z0-9+.-]*:/i.test(link.target)) {
      continue; // another site, or mailto:
    } else {
      const [path = '', fragment] = link.target.split('#', 2);
      target = path === '' ? file : normalize(join(dirname(file), decodeURIComponent(path)));
      anchor = fragment;
    }
    if (target.startsWith('..') || !existsSync(join(root, target))) {
      problems.push({
        file: link.file,
        line: link.line,
        message: `the link ${link.target} points at ${toPosix(target)}, which does not exist`,
      });
      continue;
    }
    if (anchor === undefined || anchor === '' || !target.endsWith('.md')) continue;
    const headings =
      parsed.get(toPosix(target))?.anchors ??
      parseMarkdown(target, await readFile(join(root, target), 'utf8')).anchors;
    if (!headings.has(anchor)) {
      problems.push({
        file: link.file,
        line: link.line,
        message: `the link ${link.target} names #${anchor}, a heading ${toPosix(target)} does not have`,
      });
    }
  }
  return problems;
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}
