import { BatonError, ConfigError } from '@baton/core';

/**
 * A path, the git repository or the ignore file could not be read. The message names the
 * path or the git command and what went wrong; it never quotes file content.
 */
export class ScanInputError extends BatonError {
  readonly input: string;

  constructor(input: string, problem: string, options?: { cause?: unknown }) {
    super('BATON_IO', `Cannot scan ${input}: ${problem}`, options);
    this.input = input;
  }
}

/** Options that make no sense (an unknown format, a rule without a global pattern). */
export class ScanOptionsError extends ConfigError {}
