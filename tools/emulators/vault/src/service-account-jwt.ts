/**
 * A service account token shaped as Kubernetes projects them (a JWT whose `sub` is
 * `system:serviceaccount:NAMESPACE:NAME`), for logins to the emulator. Its signature is a
 * placeholder: the emulator reads the claims and does not verify it.
 *
 * @example
 * await writeFile(jwtPath, serviceAccountJwt({ namespace: 'apps', name: 'billing' }));
 */
export function serviceAccountJwt(account: {
  namespace: string;
  name: string;
  /** Epoch seconds. Default: an hour from now. */
  expiresAt?: number;
}): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = {
    iss: 'https://kubernetes.default.svc.cluster.local',
    sub: `system:serviceaccount:${account.namespace}:${account.name}`,
    aud: ['https://kubernetes.default.svc.cluster.local'],
    exp: account.expiresAt ?? Math.floor(Date.now() / 1000) + 3600,
    'kubernetes.io': { namespace: account.namespace, serviceaccount: { name: account.name } },
  };
  return `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(claims)}.${Buffer.from('emulator').toString('base64url')}`;
}
