/** Defaults of `vaultKv` and its auth methods, named once. */

/** The source's name in errors, audit events and metrics. */
export const DEFAULT_SOURCE_NAME = 'vault';
/** The KV v2 mount (`vault server -dev` mounts one at `secret/`). */
export const DEFAULT_MOUNT = 'secret';
/** The field of `data.data` that holds a ref's value. */
export const DEFAULT_FIELD = 'value';
/** Where AppRole and Kubernetes auth are mounted unless told otherwise. */
export const DEFAULT_APPROLE_MOUNT = 'approle';
export const DEFAULT_KUBERNETES_MOUNT = 'kubernetes';
/** Where Kubernetes mounts a pod's service account token. */
export const DEFAULT_JWT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';
/** A token is renewed once this fraction of its lease has passed (as Vault Agent does). */
export const RENEW_AFTER_FRACTION = 2 / 3;
/** How long one HTTP request may take. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Vault's answer when a check-and-set write lost. */
export const CAS_MISMATCH = 'check-and-set parameter did not match the current version';
/** Vault's answer when the mount requires check-and-set and the write had none. */
export const CAS_REQUIRED = 'check-and-set parameter required for this call';
