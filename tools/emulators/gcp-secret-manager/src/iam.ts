/**
 * IAM as far as Secret Manager needs it: role bindings per caller (bearer token) on a
 * resource and its descendants. A resource ending in `*` matches every name with that prefix,
 * as an IAM condition on `resource.name.startsWith(…)` does.
 */
export interface IamBinding {
  /** A predefined role (`roles/secretmanager.secretAccessor`, …). */
  readonly role?: string;
  /** Permissions granted directly, as a custom role would. */
  readonly permissions?: readonly string[];
  /** `projects/P` (everything in the project), `projects/P/secrets/S`, or a prefix ending in `*`. */
  readonly resource: string;
}

/** Bindings per bearer token. */
export type IamPolicies = Readonly<Record<string, readonly IamBinding[]>>;

/** What each predefined Secret Manager role grants. */
export const ROLE_PERMISSIONS: Readonly<Record<string, readonly string[]>> = {
  'roles/secretmanager.secretAccessor': ['secretmanager.versions.access'],
  'roles/secretmanager.viewer': [
    'secretmanager.secrets.get',
    'secretmanager.secrets.list',
    'secretmanager.versions.get',
    'secretmanager.versions.list',
    'secretmanager.locations.get',
    'secretmanager.locations.list',
  ],
  'roles/secretmanager.secretVersionAdder': ['secretmanager.versions.add'],
  'roles/secretmanager.secretVersionManager': [
    'secretmanager.versions.add',
    'secretmanager.versions.enable',
    'secretmanager.versions.disable',
    'secretmanager.versions.destroy',
    'secretmanager.versions.get',
    'secretmanager.versions.list',
  ],
  'roles/secretmanager.admin': ['secretmanager.*'],
};

/** Decides whether a caller holds a permission on a resource. */
export class AccessControl {
  constructor(
    private readonly policies: IamPolicies | undefined,
    /** Writes a resource name with the project number, so ids and numbers match alike. */
    private readonly normalise: (resource: string) => string,
  ) {}

  /** Whether the token is known (always, without policies). */
  knows(token: string): boolean {
    return this.policies === undefined || Object.hasOwn(this.policies, token);
  }

  allows(token: string, permission: string, resource: string): boolean {
    if (this.policies === undefined) return true;
    const name = this.normalise(resource);
    return (this.policies[token] ?? []).some(
      (binding) => covers(this.normalise(binding.resource), name) && grants(binding, permission),
    );
  }
}

function covers(pattern: string, name: string): boolean {
  if (pattern.endsWith('*')) return name.startsWith(pattern.slice(0, -1));
  return name === pattern || name.startsWith(`${pattern}/`);
}

function grants(binding: IamBinding, permission: string): boolean {
  const granted = [
    ...(binding.role === undefined ? [] : (ROLE_PERMISSIONS[binding.role] ?? [])),
    ...(binding.permissions ?? []),
  ];
  return granted.some(
    (each) =>
      each === permission || (each.endsWith('.*') && permission.startsWith(each.slice(0, -1))),
  );
}
