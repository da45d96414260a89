import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ScanInputError } from './errors.js';

/** Lines a commit (or the index) added to one file, contiguous from `firstLine`. */
export interface AddedHunk {
  readonly file: string;
  readonly firstLine: number;
  readonly text: string;
  readonly commit?: string;
}

const COMMIT_MARK = '\u0000commit ';

/**
 * Streams what `git` prints for a diff (`diff --cached` or `log -p`, both with `-U0`) as
 * hunks of added lines. `onCommit` is called as each commit header is read.
 */
export async function* addedHunks(
  cwd: string,
  args: readonly string[],
  onCommit?: (commit: string) => void,
): AsyncGenerator<AddedHunk> {
  const child = spawn('git', ['-c', 'core.quotePath=false', '-c', 'diff.noprefix=false', ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderr.length < 4000) stderr += chunk;
  });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const exited = new Promise<number>((resolve) =>
    child.once('close', (code) => resolve(code ?? 1)),
  );
  try {
    await spawned;
  } catch (error) {
    throw new ScanInputError(`git ${args[0]}`, 'git could not be started; is it installed?', {
      cause: error,
    });
  }

  let commit: string | undefined;
  let file: string | undefined;
  let firstLine = 0;
  let lines: string[] = [];
  const flush = (): AddedHunk | undefined => {
    if (file === undefined || lines.length === 0) return undefined;
    const hunk: AddedHunk = {
      file,
      firstLine,
      text: lines.join('\n'),
      ...(commit === undefined ? {} : { commit }),
    };
    lines = [];
    return hunk;
  };

  // Header lines (`+++ b/file`) only occur before a file's first hunk; inside a hunk a line
  // starting with `+` is always an added line, whatever follows.
  let inHunk = false;
  for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
    if (inHunk && line.startsWith('+')) {
      lines.push(line.slice(1));
      continue;
    }
    const done = flush();
    if (done !== undefined) yield done;
    if (line.startsWith('@@')) {
      inHunk = true;
      firstLine = Number(/^@@ -\S+ \+(\d+)/.exec(line)?.[1] ?? 1);
    } else if (line.startsWith(COMMIT_MARK)) {
      inHunk = false;
      commit = line.slice(COMMIT_MARK.length);
      file = undefined;
      onCommit?.(commit);
    } else if (line.startsWith('diff ')) {
      inHunk = false;
      file = undefined;
    } else if (!inHunk && line.startsWith('+++ ')) {
      file = newPath(line.slice(4));
    }
  }
  const last = flush();
  if (last !== undefined) yield last;
  const code = await exited;
  if (code !== 0) {
    throw new ScanInputError(
      cwd,
      `git ${args[0]} failed (exit ${code}): ${stderr.trim().split('\n')[0] ?? ''}`,
    );
  }
}

/** `b/path`, or `"b/pa\"th"` when git had to quote it; `/dev/null` for a deleted file. */
function newPath(raw: string): string | undefined {
  if (raw === '/dev/null') return undefined;
  const unquoted = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  return unquoted.startsWith('b/') ? unquoted.slice(2) : unquoted;
}

/** The arguments for the staged changes (the pre-commit hook's view). */
export const STAGED_DIFF = [
  'diff',
  '--cached',
  '--no-color',
  '--no-ext-diff',
  '-U0',
  '--diff-filter=ACMR',
];

/** The arguments for every commit reachable from any ref, each commit's added lines. */
export function historyLog(range?: string): string[] {
  return [
    'log',
    '-p',
    '-U0',
    '--no-color',
    '--no-ext-diff',
    '--diff-filter=ACMR',
    '--format=%x00commit %H',
    ...(range === undefined ? ['--all'] : [range]),
  ];
}

/** Counts the commits `historyLog(range)` will print, for a progress bar. */
export async function countCommits(cwd: string, range?: string): Promise<number> {
  const child = spawn(
    'git',
    ['rev-list', '--count', ...(range === undefined ? ['--all'] : [range])],
    {
      cwd,
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  const code = await new Promise<number>((resolve) => {
    child.once('error', () => resolve(1));
    child.once('close', (exit) => resolve(exit ?? 1));
  });
  return code === 0 ? Number(out.trim()) || 0 : 0;
}
