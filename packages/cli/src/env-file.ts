import { readFile, writeFile } from 'node:fs/promises';
import { parse } from 'dotenv';
import { UsageError } from './errors.js';

/** The template of a `.env`: its names, never its values. */
export const ENV_EXAMPLE = '.env.example';

/**
 * Reads a `.env` file as dotenv does; `undefined` when it does not exist. Errors name the
 * file, never a line of it.
 */
export async function readEnvFile(path: string): Promise<Record<string, string> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`${path} could not be read`, { cause: error });
  }
  return parse(text);
}

/**
 * Writes `.env.example` with every name (`NAME=`) and no value, keeping what an existing file
 * says (comments, defaults the team chose to share) and adding only the names it lacks.
 * Answers whether the file changed.
 */
export async function writeEnvExample(path: string, names: readonly string[]): Promise<boolean> {
  const existing = await readFile(path, 'utf8').catch(() => undefined);
  const present = new Set(Object.keys(parse(existing ?? '')));
  const missing = names.filter((name) => !present.has(name));
  if (existing !== undefined && missing.length === 0) return false;
  const head =
    existing === undefined
      ? '# Names of the secrets this project needs; values live in the secret manager.\n'
      : existing.endsWith('\n') || existing === ''
        ? existing
        : `${existing}\n`;
  await writeFile(path, `${head}${missing.map((name) => `${name}=\n`).join('')}`);
  return true;
}
