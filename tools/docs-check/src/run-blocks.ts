import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Problem } from './problem.js';
import type { BlockModule } from './typecheck.js';

/** How long a `ts run` block may take. Blocks are small offline examples. */
export const DEFAULT_RUN_TIMEOUT_MS = 20_000;
/** What of a failed block's output a problem quotes. */
const OUTPUT_LIMIT = 2000;

const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * Runs each block module in a child process of its own (Node with tsx and the
 * `@baton/source` condition, in a scratch working directory), two at a time. A block that
 * exits non-zero, throws, or outlives `timeoutMs` becomes a problem at its fence line, with
 * its stderr, in which the module's path reads as the markdown file and line.
 *
 * @example
 * const problems = await runBlocks([{ path, file: 'README.md', line: 40 }], { timeoutMs: 20_000 });
 */
export async function runBlocks(
  modules: readonly BlockModule[],
  options: { timeoutMs?: number; concurrency?: number } = {},
): Promise<Problem[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  const queue = [...modules];
  const problems: Problem[] = [];
  const worker = async () => {
    for (let module = queue.shift(); module !== undefined; module = queue.shift()) {
      const problem = await runOne(module, timeoutMs);
      if (problem !== undefined) problems.push(problem);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 2 }, worker));
  return problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

async function runOne(module: BlockModule, timeoutMs: number): Promise<Problem | undefined> {
  const cwd = await mkdtemp(join(tmpdir(), 'baton-docs-run-'));
  try {
    const outcome = await new Promise<{ code: number | null; timedOut: boolean; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(
          process.execPath,
          ['--conditions=@baton/source', '--import', TSX_LOADER, module.path],
          { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
        );
        let stderr = '';
        let timedOut = false;
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
          if (stderr.length < 64 * 1024) stderr += chunk;
        });
        const timer = setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, timeoutMs);
        child.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        child.once('close', (code) => {
          clearTimeout(timer);
          resolve({ code, timedOut, stderr });
        });
      },
    );
    if (outcome.timedOut) {
      return {
        file: module.file,
        line: module.line,
        message: `the block tagged "ts run" did not finish within ${timeoutMs} ms`,
      };
    }
    if (outcome.code === 0) return undefined;
    const stderr = pointAtMarkdown(outcome.stderr, module).trim();
    return {
      file: module.file,
      line: failingLine(outcome.stderr, module) ?? module.line,
      message: `the block tagged "ts run" failed (exit code ${outcome.code})${
        stderr === '' ? '' : `:\n${stderr.slice(0, OUTPUT_LIMIT)}`
      }`,
    };
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

/** Rewrites `/…/.blocks-x/docs--core.md-L40.ts:5:3` in output as `docs/core.md:45:3`. */
function pointAtMarkdown(output: string, module: BlockModule): string {
  const url = pathToFileURL(module.path).href;
  return output
    .split(url)
    .join(module.path)
    .replace(
      new RegExp(`${escapeRegExp(module.path)}:(\\d+)`, 'g'),
      (_, line: string) => `${module.file}:${module.line + Number(line)}`,
    );
}

/** The markdown line of the first stack frame in the block, if the output has one. */
function failingLine(output: string, module: BlockModule): number | undefined {
  const text = output.split(pathToFileURL(module.path).href).join(module.path);
  const match = new RegExp(`${escapeRegExp(module.path)}:(\\d+)`).exec(text);
  return match?.[1] === undefined ? undefined : module.line + Number(match[1]);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
