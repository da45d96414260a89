import type { WritableSecretSource } from '@baton/core';
import type { MigrateTarget } from './config.js';
import { UsageError } from './errors.js';
import { importOptional } from './store-url.js';

/** What `baton migrate` may take from flags and environment to reach a target. */
export interface TargetOptions {
  prefix: string;
  region?: string;
  vaultUrl?: string;
  project?: string;
  address?: string;
  env: NodeJS.ProcessEnv;
}

/** How to reach one cloud: make its source, and name a `.env` key's secret there. */
export interface TargetSpec {
  /** The provider package, loaded only when this target is used. */
  readonly packageName: string;
  /** The source `put` and `get` go to, made from flags, environment and default credentials. */
  make(options: TargetOptions): Promise<WritableSecretSource>;
  /** The ref written for a `.env` key (the provider maps it to the cloud's name). */
  refFor(key: string, prefix: string): string;
  /** The cloud secret's name, for people. */
  secretName(key: string, prefix: string): string;
}

const REF_PREFIX = /^[A-Za-z_][A-Za-z0-9_]*$/;

function prefixedRef(key: string, prefix: string): string {
  if (prefix !== '' && !REF_PREFIX.test(prefix)) {
    throw new UsageError(`--prefix ${prefix}: this target's names take letters, digits and _ only`);
  }
  return `${prefix}${key}`;
}

/** Every target of `migrate --to`: adding a cloud is one entry here. */
export const TARGETS: Record<MigrateTarget, TargetSpec | undefined> = {
  aws: {
    packageName: '@baton/providers-aws',
    async make({ prefix, region, env }) {
      const { awsSecretsManager } = await importOptional<typeof import('@baton/providers-aws')>(
        this.packageName,
        'baton migrate --to aws',
      );
      const chosen = region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
      return awsSecretsManager({
        versions: 'names',
        ...(prefix === '' ? {} : { prefix }),
        ...(chosen === undefined ? {} : { region: chosen }),
      });
    },
    refFor: (key) => key,
    secretName: (key, prefix) => `${prefix}${key}`,
  },
  azure: {
    packageName: '@baton/providers-azure',
    async make({ vaultUrl, env }) {
      const url = vaultUrl ?? env.AZURE_KEYVAULT_URL;
      if (url === undefined) {
        throw new UsageError(
          'baton migrate --to azure needs --vault-url https://NAME.vault.azure.net (or AZURE_KEYVAULT_URL)',
        );
      }
      const { azureKeyVault } = await importOptional<typeof import('@baton/providers-azure')>(
        this.packageName,
        'baton migrate --to azure',
      );
      return azureKeyVault({ vaultUrl: url, versions: 'names' });
    },
    refFor: prefixedRef,
    secretName: (key, prefix) => prefixedRef(key, prefix).replace(/_/g, '-'),
  },
  gcp: {
    packageName: '@baton/providers-gcp',
    async make({ prefix, project, env }) {
      const projectId = project ?? env.GOOGLE_CLOUD_PROJECT ?? env.GCLOUD_PROJECT;
      if (projectId === undefined) {
        throw new UsageError('baton migrate --to gcp needs --project ID (or GOOGLE_CLOUD_PROJECT)');
      }
      const { gcpSecretManager } = await importOptional<typeof import('@baton/providers-gcp')>(
        this.packageName,
        'baton migrate --to gcp',
      );
      return gcpSecretManager({ projectId, ...(prefix === '' ? {} : { prefix }) });
    },
    refFor: (key) => key,
    secretName: (key, prefix) => `${prefix}${key}`,
  },
  vault: {
    packageName: '@baton/providers-vault',
    async make({ prefix, address, env }) {
      const url = address ?? env.VAULT_ADDR;
      const token = env.VAULT_TOKEN;
      if (url === undefined || token === undefined || token === '') {
        throw new UsageError(
          'baton migrate --to vault needs --address https://vault:8200 (or VAULT_ADDR) and a token in VAULT_TOKEN; for AppRole or Kubernetes login give targets.vault in baton.config.ts',
        );
      }
      const { vaultKv, vaultToken } = await importOptional<typeof import('@baton/providers-vault')>(
        this.packageName,
        'baton migrate --to vault',
      );
      return vaultKv({
        address: url,
        auth: vaultToken(token),
        ...(prefix === '' ? {} : { prefix }),
      });
    },
    refFor: (key) => key,
    secretName: (key, prefix) => `secret/${prefix}${key}`,
  },
};
