import { readFile } from 'node:fs/promises';
import { ScanInputError, ScanOptionsError } from './errors.js';

/** The file of finding fingerprints a repository accepts, at its root. */
export const IGNORE_FILE = '.batonignore';

const FINGERPRINT = /^[0-9a-f]{16}$/;

/**
 * Reads a `.batonignore`: one fingerprint per line, `#` starts a comment. A missing file is
 * an empty set; a line that is not a fingerprint is an error that names the line.
 *
 * @example
 * const ignore = await readIgnoreFile('.batonignore');
 * const report = await scan(['.'], { ignore });
 */
export async function readIgnoreFile(path: string): Promise<Set<string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw new ScanInputError(path, 'the ignore file could not be read', { cause: error });
  }
  const fingerprints = new Set<string>();
  text.split('\n').forEach((raw, index) => {
    const entry = (raw.split('#')[0] ?? '').trim();
    if (entry === '') return;
    if (!FINGERPRINT.test(entry)) {
      throw new ScanOptionsError(
        `${path}:${index + 1} is not a finding fingerprint (16 hex digits, as findings show them)`,
      );
    }
    fingerprints.add(entry);
  });
  return fingerprints;
}
