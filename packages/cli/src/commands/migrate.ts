import { basename, dirname, join, resolve } from 'node:path';
import { parseRef, type WritableSecretSource } from '@baton/core';
import { type CommandModule, examples } from '../command.js';
import type { MigrateTarget } from '../config.js';
import type { CliContext } from '../context.js';
import { ENV_EXAMPLE, readEnvFile, writeEnvExample } from '../env-file.js';
import { CheckFailedError, UsageError } from '../errors.js';
import { startProgress } from '../progress.js';
import { TARGETS, type TargetSpec } from '../targets.js';

interface MigrateOptions {
  from: string;
  to: string;
  prefix: string;
  dryRun?: boolean;
  region?: string;
  vaultUrl?: string;
  project?: string;
  address?: string;
}

type Result = 'created' | 'updated' | 'unchanged' | 'planned';

/** What is left of seed 004's checklist once the values are in the manager. */
export const NEXT_STEPS = [
  'Rotate every migrated value: each one sat in a plain file, on disks and maybe in git (check with baton scan --history).',
  'Remove the .env file from every server, container image and CI runner, and read the secrets from the manager instead.',
  "Set up rotation for each secret (a schedule per type: database 90 d, API keys 30 d) and turn on the manager's audit log.",
  `Commit ${ENV_EXAMPLE} and keep .env ignored (baton init adds the .gitignore rules and a pre-commit scan).`,
];

const migrate: CommandModule = (program, run) => {
  program
    .command('migrate')
    .requiredOption('--from <path>', 'the .env file to copy', '.env')
    .requiredOption('--to <target>', `the secret manager: ${Object.keys(TARGETS).join(', ')}`)
    .option('--prefix <prefix>', 'put before each secret name (aws: e.g. prod/)', '')
    .option('--dry-run', 'list the names that would be copied; write nothing')
    .option('--region <region>', 'aws: the region (default: AWS_REGION)')
    .option(
      '--vault-url <url>',
      'azure: https://NAME.vault.azure.net (default: AZURE_KEYVAULT_URL)',
    )
    .option('--project <id>', 'gcp: the project (default: GOOGLE_CLOUD_PROJECT)')
    .option('--address <url>', 'vault: the server (default: VAULT_ADDR; the token: VAULT_TOKEN)')
    .description(
      'Copy a .env into a cloud secret manager: idempotent, each value read back and compared',
    )
    .addHelpText(
      'after',
      `${examples('baton migrate --from .env --to aws --dry-run', 'baton migrate --from .env --to aws --prefix prod/', 'baton migrate --from deploy/.env --to azure --vault-url https://orders.vault.azure.net', 'VAULT_TOKEN=… baton migrate --to vault --address https://vault:8200 --prefix orders/')}\nEach secret is named after its .env key. Values are compared first, so a rerun writes\nnothing new. ${ENV_EXAMPLE} (names only) is written beside the .env. A target given in\nbaton.config.ts (targets: { aws: awsSecretsManager({ … }) }) is used instead of flags.\n`,
    )
    .action(
      run(async (context, options: MigrateOptions) => {
        const target = options.to as MigrateTarget;
        if (!(target in TARGETS)) {
          throw new UsageError(`--to ${options.to}: use one of ${Object.keys(TARGETS).join(', ')}`);
        }
        const spec = TARGETS[target];
        const configured = (await context.config()).targets?.[target];
        if (spec === undefined && configured === undefined) {
          throw new UsageError(
            `--to ${target} is not built into this version; give targets.${target} in baton.config.ts`,
          );
        }
        const from = resolve(context.cwd, options.from);
        const values = await readEnvFile(from);
        if (values === undefined) throw new UsageError(`${options.from} does not exist`);
        const keys = Object.keys(values);
        const refFor = (key: string) =>
          spec?.refFor(key, options.prefix) ?? `${options.prefix}${key}`;
        const invalid = keys.filter((key) => !isRefName(refFor(key)));
        if (invalid.length > 0) {
          throw new UsageError(
            `These keys cannot name a secret (letters, digits and _ only): ${invalid.join(', ')}`,
          );
        }
        const secretName = (key: string) => spec?.secretName(key, options.prefix) ?? refFor(key);
        const rows: { name: string; secret: string; result: Result }[] = [];
        if (options.dryRun) {
          for (const key of keys)
            rows.push({ name: key, secret: secretName(key), result: 'planned' });
        } else {
          const source = await targetSource(spec, configured, options, context.env);
          const bar = await startProgress(context.out, 'secrets');
          try {
            for (const [index, key] of keys.entries()) {
              const result = await copy(source, refFor(key), key, values[key] as string);
              rows.push({ name: key, secret: secretName(key), result });
              bar.update(index + 1, keys.length);
            }
          } finally {
            bar.stop();
          }
        }
        const example = join(dirname(from), ENV_EXAMPLE);
        const exampleChanged = options.dryRun ? false : await writeEnvExample(example, keys);
        report(context, {
          target,
          from: options.from,
          rows,
          example,
          exampleChanged,
          dryRun: options.dryRun === true,
        });
        return 0;
      }),
    );
};

function isRefName(name: string): boolean {
  try {
    return parseRef(name).version === undefined;
  } catch {
    return false;
  }
}

async function targetSource(
  spec: TargetSpec | undefined,
  configured: unknown,
  options: MigrateOptions,
  env: NodeJS.ProcessEnv,
): Promise<WritableSecretSource> {
  if (configured !== undefined) {
    return typeof configured === 'function'
      ? await (configured as () => WritableSecretSource | Promise<WritableSecretSource>)()
      : (configured as WritableSecretSource);
  }
  return (spec as TargetSpec).make({
    prefix: options.prefix,
    env,
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.vaultUrl === undefined ? {} : { vaultUrl: options.vaultUrl }),
    ...(options.project === undefined ? {} : { project: options.project }),
    ...(options.address === undefined ? {} : { address: options.address }),
  });
}

/** Writes one value unless the target already holds it, then reads it back. */
async function copy(
  source: WritableSecretSource,
  ref: string,
  key: string,
  value: string,
): Promise<Result> {
  const parsed = parseRef(ref);
  const before = await source.get(parsed);
  if (before === value) return 'unchanged';
  await source.put(parsed, value);
  const after = await source.get(parsed);
  if (after !== value) {
    throw new CheckFailedError(
      `${key}: the value read back from ${source.name} differs from the .env's; nothing after it was copied. Check the secret's encoding and rerun.`,
    );
  }
  return before === undefined ? 'created' : 'updated';
}

function report(
  context: CliContext,
  facts: {
    target: string;
    from: string;
    rows: { name: string; secret: string; result: Result }[];
    example: string;
    exampleChanged: boolean;
    dryRun: boolean;
  },
): void {
  const { out } = context;
  if (context.json) {
    out.json({
      target: facts.target,
      from: facts.from,
      dryRun: facts.dryRun,
      secrets: facts.rows,
      envExample: facts.dryRun ? undefined : basename(facts.example),
      nextSteps: facts.dryRun ? [] : NEXT_STEPS,
    });
    return;
  }
  if (facts.dryRun) {
    out.line(
      `Would copy ${facts.rows.length} secrets from ${facts.from} to ${facts.target} (nothing written):`,
    );
    out.table(
      ['NAME', 'SECRET'],
      facts.rows.map((row) => [row.name, row.secret]),
    );
    return;
  }
  out.table(
    ['NAME', 'SECRET', 'RESULT'],
    facts.rows.map((row) => [row.name, row.secret, row.result]),
  );
  const counts = (result: Result) => facts.rows.filter((row) => row.result === result).length;
  out.line();
  out.line(
    `${facts.target}: ${counts('created')} created, ${counts('updated')} updated, ${counts('unchanged')} unchanged; every value read back and compared.`,
  );
  out.line(
    `${ENV_EXAMPLE} ${facts.exampleChanged ? 'written' : 'already lists every name'} (names only).`,
  );
  out.line();
  out.line(out.paint('bold', 'What is left to do:'));
  for (const [index, step] of NEXT_STEPS.entries()) out.line(`  ${index + 1}. ${step}`);
}

export default migrate;
