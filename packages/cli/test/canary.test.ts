import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AwsSecretsManagerEmulator,
  startAwsSecretsManagerEmulator,
} from '@baton-tools/aws-secrets-manager-emulator';
import { FAKE_KEYS, seededRandom } from '@baton-tools/scan-corpus';
import { expectNoSecrets } from '@baton-tools/test-kit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { awsSdkEnv, type BatonRun, baton, git, workdir } from './support/baton.js';

const random = seededRandom(4040);
const CANARY = {
  OPENAI_API_KEY: FAKE_KEYS.openaiProject(random),
  ANTHROPIC_API_KEY: FAKE_KEYS.anthropic(random),
  DB_PASSWORD: FAKE_KEYS.generatedPassword(random),
  WEBHOOK_SECRET_V2: FAKE_KEYS.hexSecret(random),
};
const secrets = Object.values(CANARY);
const dotenv = Object.entries(CANARY)
  // Quoted: an unquoted # would start a comment.
  .map(([name, value]) => `${name}="${value}"`)
  .join('\n');

let aws: AwsSecretsManagerEmulator;
beforeAll(async () => {
  aws = await startAwsSecretsManagerEmulator();
});
afterAll(() => aws?.close());

it('no command prints a value unless told to (--reveal, run)', async () => {
  const cwd = await workdir({
    '.env': dotenv,
    '.env.example': 'OPENAI_API_KEY=\nANTHROPIC_API_KEY=\n',
    'src/leak.ts': `export const key = '${CANARY.ANTHROPIC_API_KEY}';\n`,
  });
  git(cwd, 'init', '-q', '-b', 'main');
  git(cwd, 'add', 'src/leak.ts');
  const store = ['--store', 'file:registry.json'];
  const awsEnv = awsSdkEnv(aws);
  const runs: BatonRun[] = [];
  const run = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const result = await baton(args, { cwd, env });
    runs.push(result);
    return result;
  };
  // Text and JSON output side by side; within each, registry changes in order, the rest at once.
  await Promise.all(
    [[], ['--json']].map(async (json) => {
      const prefix = ['--prefix', json.length > 0 ? 'json/' : 'text/'];
      await run(['register', 'WEBHOOK_SECRET', 'WEBHOOK_SECRET:v2', ...store, ...json]);
      await run(['promote', 'WEBHOOK_SECRET', 'WEBHOOK_SECRET:v2', ...store, ...json]);
      await run(['policy', 'WEBHOOK_SECRET', 'api-key', ...store, ...json]);
      await Promise.all([
        run(['status', ...store, ...json]),
        run(['rotate', 'WEBHOOK_SECRET', '--dry-run', ...store, ...json]),
        run(['history', 'WEBHOOK_SECRET', ...store, ...json]),
        run(['verify', 'WEBHOOK_SECRET', CANARY.WEBHOOK_SECRET_V2, ...store, ...json]),
        run(['get', 'WEBHOOK_SECRET:v2', ...json]),
        run(['get', 'DB_PASSWORD', ...json]),
        // OPENAI_API_KEY holds an Anthropic key: malformed, and said so without quoting it.
        run(['check', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'MISSING', ...json]),
        run(['scan', ...json]),
        run(['scan', '--staged', ...json]),
        run(['migrate', '--to', 'aws', '--dry-run', ...prefix, ...json], awsEnv),
        run(['migrate', '--to', 'aws', ...prefix, ...json], awsEnv),
      ]);
    }),
  );
  await run(['scan', '--format', 'sarif']);
  await run(['init']);
  await run(['init', '--json']);
  // Failures: the cloud refuses every write, a config file throws with a value in its message.
  aws.setFaults({ errorRate: 1 });
  await run(['migrate', '--to', 'aws', '--prefix', 'failing/'], awsEnv);
  aws.setFaults({});
  await writeFile(
    join(cwd, 'baton.config.mjs'),
    `throw new Error(${JSON.stringify(CANARY.DB_PASSWORD)});\n`,
  );
  await run(['get', 'DB_PASSWORD']);
  // The child prints nothing, so nothing of the values shows either.
  await run(['run', '--ref', 'DB_PASSWORD', '--', 'node', '-e', 'process.exit(0)']);

  expect(runs.filter((result) => result.code === 0).length).toBeGreaterThan(10);
  const pieces = secrets.map((value) => value.slice(8));
  expectNoSecrets(runs.map((result) => `${result.stdout}\n${result.stderr}`).join('\n'), [
    ...secrets,
    ...pieces,
  ]);

  // Told to: --reveal prints the value, run hands it to the command.
  await writeFile(join(cwd, 'baton.config.mjs'), 'export default {};\n');
  expect((await baton(['get', 'DB_PASSWORD', '--reveal'], { cwd })).stdout).toBe(
    `${CANARY.DB_PASSWORD}\n`,
  );
  const child = await baton(
    ['run', '--ref', 'DB_PASSWORD', '--', 'sh', '-c', 'printf %s "$DB_PASSWORD"'],
    { cwd },
  );
  expect(child.stdout).toBe(CANARY.DB_PASSWORD);
});
