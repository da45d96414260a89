/** Something wrong in the docs, at a line of a markdown file. */
export interface Problem {
  /** Relative to the repository root. */
  file: string;
  line: number;
  message: string;
}

/** `docs/core.md:42: TS2304 Cannot find name 'baton'.` */
export function formatProblem(problem: Problem): string {
  return `${problem.file}:${problem.line}: ${problem.message}`;
}
