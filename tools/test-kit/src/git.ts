import { execFileSync } from 'node:child_process';

/**
 * Runs git in `cwd` with a fixed identity and no signing, so commits work on any machine;
 * answers what it printed.
 *
 * @example
 * git(dir, 'init', '-q', '-b', 'main');
 */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    [
      '-c',
      'user.name=Test',
      '-c',
      'user.email=test@example.net',
      '-c',
      'commit.gpgsign=false',
      ...args,
    ],
    { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
}
