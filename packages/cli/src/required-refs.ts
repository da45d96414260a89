import { join } from 'node:path';
import type { CliContext } from './context.js';
import { ENV_EXAMPLE, readEnvFile } from './env-file.js';
import { UsageError } from './errors.js';

/**
 * The refs a command works on when none are named: the config's `required`, else the names
 * in `.env.example`.
 */
export async function requiredRefs(
  context: CliContext,
  named: readonly string[],
): Promise<string[]> {
  if (named.length > 0) return [...named];
  const config = await context.config();
  if (config.required !== undefined) return [...config.required];
  const example = await readEnvFile(join(context.cwd, ENV_EXAMPLE));
  if (example !== undefined) return Object.keys(example);
  throw new UsageError(
    `Name the secrets (baton check NAME…), list them as required in baton.config.ts, or keep a ${ENV_EXAMPLE}`,
  );
}
