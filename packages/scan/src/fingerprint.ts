import { createHash } from 'node:crypto';

/**
 * A finding's stable id for `.batonignore`: a hash of the rule, the file and the secret, so it
 * survives lines moving and says nothing about the value. The same secret in another file is
 * another finding.
 *
 * @example
 * fingerprint('github-token', 'src/app.ts', token); // '5f0c3e1a9b2d4c6e'
 */
export function fingerprint(rule: string, file: string, secret: string): string {
  return createHash('sha256').update(`${rule}\0${file}\0${secret}`).digest('hex').slice(0, 16);
}
