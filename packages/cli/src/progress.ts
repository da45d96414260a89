import type { Output } from './output.js';

/** A progress bar on stderr while long work runs; nothing at all when stderr is not a TTY. */
export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

const SILENT: Progress = { update: () => undefined, stop: () => undefined };

/**
 * Starts a bar (cli-progress, loaded only for a TTY) labelled with what is counted.
 *
 * @example
 * const bar = await startProgress(out, 'commits');
 * bar.update(10, 240);
 * bar.stop();
 */
export async function startProgress(out: Output, unit: string): Promise<Progress> {
  if (!out.interactive) return SILENT;
  const progress = await import('cli-progress');
  const bar = new progress.SingleBar(
    {
      format: `{bar} {value}/{total} ${unit}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    progress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total ?? 0, 0);
        started = true;
      }
      if (total !== undefined) bar.setTotal(total);
      bar.update(done);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
