/** A capability of a Vault policy rule. */
export type Capability =
  | 'create'
  | 'read'
  | 'update'
  | 'patch'
  | 'delete'
  | 'list'
  | 'sudo'
  | 'deny';

/** One rule of a policy: `path "secret/data/app/*" { capabilities = ["read"] }`. */
export interface PolicyRule {
  /** A path, ending in `*` for a prefix; `+` stands for one segment. */
  readonly path: string;
  readonly capabilities: readonly Capability[];
}

/** Policies by name. `root` allows everything; `default` is attached to every token. */
export type Policies = Readonly<Record<string, readonly PolicyRule[]>>;

/** Vault's built-in `default` policy, as far as tokens need it: look themselves up and renew. */
export const DEFAULT_POLICY: readonly PolicyRule[] = [
  { path: 'auth/token/lookup-self', capabilities: ['read'] },
  { path: 'auth/token/renew-self', capabilities: ['update'] },
];

/** Whether any of the policies grants the capability on the path (`deny` wins). */
export function allows(
  policies: Policies,
  names: readonly string[],
  path: string,
  capability: Capability,
): boolean {
  if (names.includes('root')) return true;
  const rules = names.flatMap((name) =>
    name === 'default' ? [...DEFAULT_POLICY, ...(policies.default ?? [])] : (policies[name] ?? []),
  );
  const matching = rules.filter((rule) => matches(rule.path, path));
  if (matching.some((rule) => rule.capabilities.includes('deny'))) return false;
  return matching.some((rule) => rule.capabilities.includes(capability));
}

function matches(pattern: string, path: string): boolean {
  const prefix = pattern.endsWith('*');
  const parts = (prefix ? pattern.slice(0, -1) : pattern).split('/');
  const segments = path.split('/');
  if (!prefix && parts.length !== segments.length) return false;
  return parts.every((part, index) => {
    const segment = segments[index];
    if (segment === undefined) return false;
    if (part === '+') return true;
    // The last part of a prefix pattern matches the start of a segment.
    return prefix && index === parts.length - 1 ? segment.startsWith(part) : segment === part;
  });
}
