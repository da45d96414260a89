import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A TypeScript script running in its own OS process, spoken to in lines. */
export interface ChildWorker {
  readonly pid: number;
  /** Every line it printed on stdout so far. */
  readonly lines: readonly string[];
  /** Writes one line to its stdin. */
  send(line: string): void;
  /**
   * The first line matching `match`, counting from the `from`-th line printed (default: the
   * next one). Fails after `timeoutMs` with what the process printed on stderr.
   */
  waitFor(match: string | RegExp, options?: { from?: number; timeoutMs?: number }): Promise<string>;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** Sends a signal (default SIGTERM) and waits for the process to end. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

const DEFAULT_WAIT_MS = 20_000;

/**
 * Runs `script` (TypeScript, through tsx, resolving workspace packages to their sources) in
 * a new Node process, for tests of behaviour across processes. `options.env` adds to the
 * environment it inherits.
 *
 * @example
 * const worker = startWorker(new URL('./fixtures/replica.ts', import.meta.url), [path]);
 * await worker.waitFor('ready');
 */
export function startWorker(
  script: URL | string,
  args: readonly string[] = [],
  options: { env?: Readonly<Record<string, string>> } = {},
): ChildWorker {
  const file = script instanceof URL ? fileURLToPath(script) : script;
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=@baton/source', '--import', 'tsx', file, ...args],
    { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env } },
  );
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    lines.push(line);
    for (const wake of waiters) wake();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
      for (const wake of waiters) wake();
    });
  });
  let ended = false;
  void exited.then(() => {
    ended = true;
  });

  const matches = (line: string, match: string | RegExp) =>
    typeof match === 'string' ? line === match : match.test(line);

  return {
    get pid() {
      return child.pid ?? -1;
    },
    lines,
    send(line) {
      child.stdin?.write(`${line}\n`);
    },
    waitFor(match, options = {}) {
      const from = options.from ?? lines.length;
      const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.slice(from).find((line) => matches(line, match));
          if (found !== undefined) return settle(() => resolve(found));
          if (ended) {
            settle(() =>
              reject(new Error(`worker ended before printing ${match}; stderr:\n${stderr}`)),
            );
          }
        };
        const timer = setTimeout(() => {
          settle(() =>
            reject(
              new Error(`worker printed no ${match} within ${timeoutMs} ms; stderr:\n${stderr}`),
            ),
          );
        }, timeoutMs);
        const settle = (done: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          done();
        };
        waiters.add(check);
        check();
      });
    },
    exited,
    async stop(signal = 'SIGTERM') {
      if (!ended) child.kill(signal);
      return exited;
    },
  };
}
