/** One secret found. Nothing in it holds the secret: `excerpt` is masked. */
export interface Finding {
  /** The rule's id (`github-token`, `generic-secret`, …). */
  readonly rule: string;
  readonly description: string;
  /** Path relative to the scan's working directory, with `/` separators. */
  readonly file: string;
  /** 1-based line of the secret's first character. */
  readonly line: number;
  /** 1-based column of the secret's first character. */
  readonly column: number;
  /** Stable id for `.batonignore`. */
  readonly fingerprint: string;
  /** The line, with every secret on it masked. */
  readonly excerpt: string;
  /** The commit that added it, when scanning history. */
  readonly commit?: string;
}
