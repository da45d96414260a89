import { displayRef } from './display-ref.js';

/** A validation issue as zod and other Standard Schema libraries report it. */
export interface SchemaIssue {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly minimum?: unknown;
  readonly maximum?: unknown;
  readonly path?: readonly unknown[] | undefined;
}

const KEY = /^[A-Za-z_$][A-Za-z0-9_$-]{0,63}$/;

/**
 * Names what failed in a sensitive value without quoting it: each rule (zod's issue code,
 * with the bound of a size rule) and, with `paths`, where it failed. Never a validator's
 * message: a custom message may quote the value, or a piece of it, in any spelling. A path
 * segment is shown when it is an index or a short key that does not look like a credential.
 *
 * @example
 * describeRules([{ code: 'too_small', minimum: 32 }]); // 'fails the rule too_small (minimum 32)'
 */
export function describeRules(issues: readonly SchemaIssue[], paths = false): string {
  const rules = issues.map((issue) => {
    const code = typeof issue.code === 'string' ? issue.code : 'invalid';
    const bound =
      code === 'too_small' && typeof issue.minimum === 'number'
        ? ` (minimum ${issue.minimum})`
        : code === 'too_big' && typeof issue.maximum === 'number'
          ? ` (maximum ${issue.maximum})`
          : '';
    const at = paths ? pathOf(issue.path) : '';
    return `${code}${bound}${at === '' ? '' : ` at ${at}`}`;
  });
  const unique = [...new Set(rules)];
  return `fails the rule${unique.length === 1 ? '' : 's'} ${unique.join(', ')}`;
}

function pathOf(path: readonly unknown[] | undefined): string {
  if (path === undefined || path.length === 0) return '';
  return path
    .map((entry) => {
      const segment =
        typeof entry === 'object' && entry !== null ? (entry as { key?: unknown }).key : entry;
      if (typeof segment === 'number') return `[${segment}]`;
      if (typeof segment === 'string' && KEY.test(segment) && displayRef(segment) === segment) {
        return `.${segment}`;
      }
      return '.<key>';
    })
    .join('')
    .replace(/^\./, '');
}
