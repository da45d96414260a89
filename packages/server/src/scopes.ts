import { isSecretPath, isUnderPrefix } from './secret-path.js';

/** What a route needs: reading or writing secrets. */
export type Access = 'read' | 'write';

/**
 * The scopes of a token, parsed once: whether it covers every path for reading or writing,
 * and the path prefixes it covers otherwise. `secrets:read` / `secrets:write` cover every
 * path; `secrets:read:PREFIX` / `secrets:write:PREFIX` the paths under `PREFIX/`. A scope
 * whose prefix is not a valid path (`billing/`, `../x`) grants nothing.
 */
export class Grants {
  private readonly all = new Set<Access>();
  private readonly prefixes: Record<Access, string[]> = { read: [], write: [] };

  constructor(scopes: readonly string[]) {
    for (const scope of scopes) {
      const match = /^secrets:(read|write)(?::(.+))?$/.exec(scope);
      if (match === null) continue;
      const access = match[1] as Access;
      const prefix = match[2];
      if (prefix === undefined) this.all.add(access);
      else if (isSecretPath(prefix)) this.prefixes[access].push(prefix);
    }
  }

  /** Whether the token may `access` the (already validated) path. */
  allows(access: Access, path: string): boolean {
    return (
      this.all.has(access) || this.prefixes[access].some((prefix) => isUnderPrefix(path, prefix))
    );
  }

  /** Whether the token may `access` some path (for `/events`, filtered per event). */
  allowsAny(access: Access): boolean {
    return this.all.has(access) || this.prefixes[access].length > 0;
  }
}

/** The scopes of a JWT payload: `scope` (space-separated) or `scp` (an array or a string). */
export function scopesOf(payload: Readonly<Record<string, unknown>>): string[] {
  const found: string[] = [];
  for (const claim of [payload.scope, payload.scp]) {
    if (typeof claim === 'string') found.push(...claim.split(' ').filter(Boolean));
    else if (Array.isArray(claim)) {
      for (const item of claim) if (typeof item === 'string') found.push(item);
    }
  }
  return found;
}
