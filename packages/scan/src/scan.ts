import type { Dirent } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { ScanInputError, ScanOptionsError } from './errors.js';
import type { Finding } from './finding.js';
import { addedHunks, countCommits, historyLog, STAGED_DIFF } from './git-diff.js';
import { BUILTIN_RULES, type Rule } from './rules.js';
import { scanText } from './scan-text.js';
import {
  DEFAULT_MAX_FILE_BYTES,
  isBinaryContent,
  isVcsDir,
  isVendoredDir,
  type SkipReason,
  skipByName,
  skipByPath,
} from './skip-rules.js';

/**
 * What to scan: a file or directory path; a text (`file` names it in findings); the staged
 * changes (`{ git: 'staged' }`, what the pre-commit hook checks); or every commit's added
 * lines (`{ git: 'history' }`, all refs unless `range` names some, such as `main..HEAD`).
 */
export type ScanInput =
  | string
  | { readonly text: string; readonly file?: string }
  | { readonly git: 'staged' | 'history'; readonly range?: string };

export interface ScanProgress {
  readonly unit: 'files' | 'commits';
  readonly done: number;
  /** Known for history (the commit count); unknown while walking directories. */
  readonly total?: number;
}

export interface ScanOptions {
  /** Paths are resolved and findings named relative to it. Default `process.cwd()`. */
  cwd?: string;
  /** Default `BUILTIN_RULES`. */
  rules?: readonly Rule[];
  /** Fingerprints of accepted findings (a `.batonignore`, see `readIgnoreFile`). */
  ignore?: Iterable<string>;
  /** Files larger than this are skipped as data. Default 10 MiB. */
  maxFileBytes?: number;
  /** Called as files or commits are done, for a progress bar. */
  onProgress?: (progress: ScanProgress) => void;
}

export interface ScanStats {
  /** Files (or diff hunks' files) scanned. */
  files: number;
  bytes: number;
  commits: number;
  /** Files left out, by the rule that left them out. */
  skipped: Record<SkipReason, number>;
  durationMs: number;
}

export interface ScanReport {
  readonly findings: readonly Finding[];
  /** Findings left out because `.batonignore` lists their fingerprint. */
  readonly suppressed: number;
  readonly stats: ScanStats;
}

/** Files read at once while walking a tree. */
const READ_CONCURRENCY = 16;

/**
 * Scans paths, texts, the staged changes or history for secrets. Vendored folders, lock
 * files, binaries and files over `maxFileBytes` are skipped and counted. Findings never hold
 * a secret: excerpts are masked.
 *
 * @example
 * const report = await scan(['.'], { ignore: await readIgnoreFile('.batonignore') });
 * if (report.findings.length > 0) process.exitCode = 1;
 */
export async function scan(
  inputs: readonly ScanInput[],
  options: ScanOptions = {},
): Promise<ScanReport> {
  const started = performance.now();
  const cwd = resolve(options.cwd ?? process.cwd());
  const rules = options.rules ?? BUILTIN_RULES;
  for (const rule of rules) {
    if (!rule.pattern.global) {
      throw new ScanOptionsError(`Rule ${rule.id}: its pattern needs the g flag`);
    }
  }
  const ignore = new Set(options.ignore ?? []);
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const stats: ScanStats = {
    files: 0,
    bytes: 0,
    commits: 0,
    skipped: { binary: 0, lockfile: 0, vendored: 0, 'too-large': 0 },
    durationMs: 0,
  };
  const findings: Finding[] = [];
  let suppressed = 0;
  const keep = (found: readonly Finding[]) => {
    for (const finding of found) {
      if (ignore.has(finding.fingerprint)) suppressed++;
      else findings.push(finding);
    }
  };
  const scanFile = async (absolute: string, size?: number) => {
    const file = relative(cwd, absolute).split(sep).join('/') || absolute;
    const byName = skipByName(absolute.slice(absolute.lastIndexOf(sep) + 1));
    if (byName !== undefined) {
      stats.skipped[byName]++;
      return;
    }
    let content: Buffer | undefined;
    try {
      // One open for the size check and the read: a stat by path first cost as much again.
      const handle = await open(absolute, 'r');
      try {
        if ((size ?? (await handle.stat()).size) <= maxFileBytes) content = await handle.readFile();
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw new ScanInputError(file, 'the file could not be read', { cause: error });
    }
    if (content === undefined) {
      stats.skipped['too-large']++;
      return;
    }
    if (isBinaryContent(content)) {
      stats.skipped.binary++;
      return;
    }
    stats.files++;
    stats.bytes += content.length;
    keep(scanText(content.toString('utf8'), rules, { file }));
    options.onProgress?.({ unit: 'files', done: stats.files });
  };

  for (const input of inputs) {
    if (typeof input === 'string') {
      const absolute = resolve(cwd, input);
      const info = await statOf(absolute);
      if (info.isDirectory()) await walk(absolute, stats, scanFile);
      else await scanFile(absolute, info.size);
    } else if ('text' in input) {
      stats.files++;
      stats.bytes += Buffer.byteLength(input.text);
      keep(scanText(input.text, rules, { file: input.file ?? '<text>' }));
    } else {
      await scanGit(input, cwd, rules, stats, keep, options.onProgress);
    }
  }
  stats.durationMs = performance.now() - started;
  return { findings, suppressed, stats };
}

async function statOf(path: string) {
  try {
    return await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ScanInputError(path, code === 'ENOENT' ? 'no such file or directory' : `${code}`, {
      cause: error,
    });
  }
}

async function walk(
  root: string,
  stats: ScanStats,
  scanFile: (path: string) => Promise<void>,
): Promise<void> {
  const queue: string[] = [];
  const directories = [root];
  while (directories.length > 0) {
    const directory = directories.pop() as string;
    let entries: Dirent[];
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch (error) {
      throw new ScanInputError(directory, 'the directory could not be read', { cause: error });
    }
    for (const entry of entries) {
      const path = `${directory}${sep}${entry.name}`;
      if (entry.isDirectory()) {
        if (isVcsDir(entry.name)) continue;
        if (isVendoredDir(entry.name)) stats.skipped.vendored++;
        else directories.push(path);
      } else if (entry.isFile()) {
        queue.push(path);
      }
    }
  }
  queue.sort();
  let next = 0;
  const worker = async () => {
    while (next < queue.length) await scanFile(queue[next++] as string);
  };
  await Promise.all(Array.from({ length: READ_CONCURRENCY }, worker));
}

async function scanGit(
  input: { readonly git: 'staged' | 'history'; readonly range?: string },
  cwd: string,
  rules: readonly Rule[],
  stats: ScanStats,
  keep: (found: readonly Finding[]) => void,
  onProgress: ScanOptions['onProgress'],
): Promise<void> {
  const history = input.git === 'history';
  const total = history ? await countCommits(cwd, input.range) : undefined;
  const files = new Set<string>();
  const onCommit = () => {
    stats.commits++;
    onProgress?.({ unit: 'commits', done: stats.commits, ...(total ? { total } : {}) });
  };
  const args = history ? historyLog(input.range) : STAGED_DIFF;
  for await (const hunk of addedHunks(cwd, args, onCommit)) {
    const skipped = skipByPath(hunk.file);
    const key = `${hunk.commit ?? ''}:${hunk.file}`;
    if (skipped !== undefined) {
      if (!files.has(key)) stats.skipped[skipped]++;
      files.add(key);
      continue;
    }
    if (!files.has(key)) stats.files++;
    files.add(key);
    stats.bytes += hunk.text.length;
    keep(scanText(hunk.text, rules, hunk));
  }
}
