import { ApiError } from './api-error.js';

/**
 * One IAM-style allow statement: actions (`secretsmanager:GetSecretValue`, `secretsmanager:*`)
 * on resources (secret ARNs, with `*` and `?` wildcards as IAM has them, or `*`).
 */
export interface AllowStatement {
  actions: readonly string[];
  resources: readonly string[];
}

/**
 * Per access key id, the statements that allow it something. A key id not listed is denied
 * everything; with no policies at all, everything is allowed (the emulator's default).
 */
export type AccessPolicies = Readonly<Record<string, readonly AllowStatement[]>>;

/** Evaluates requests against {@link AccessPolicies}, as IAM does: deny unless allowed. */
export class AccessControl {
  constructor(private readonly policies: AccessPolicies | undefined) {}

  /** Throws `AccessDeniedException` unless `accessKeyId` may run `action` on `resource`. */
  check(accessKeyId: string, action: string, resource: string): void {
    if (this.allows(accessKeyId, action, resource)) return;
    throw new ApiError(
      'AccessDeniedException',
      `User: ${accessKeyId} is not authorized to perform: secretsmanager:${action} on resource: ${resource} because no identity-based policy allows the secretsmanager:${action} action`,
    );
  }

  allows(accessKeyId: string, action: string, resource: string): boolean {
    if (this.policies === undefined) return true;
    const statements = this.policies[accessKeyId] ?? [];
    const qualified = `secretsmanager:${action}`;
    return statements.some(
      (statement) =>
        statement.actions.some((pattern) => matches(pattern, qualified, true)) &&
        statement.resources.some((pattern) => matches(pattern, resource, false)),
    );
  }
}

/** IAM wildcard matching: `*` any run of characters, `?` exactly one; actions ignore case. */
function matches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .split('')
    .map((char) => {
      if (char === '*') return '.*';
      if (char === '?') return '.';
      return char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}
