import { FAKE_KEYS, seededRandom } from '@baton-tools/scan-corpus';
import { describe, expect, it } from 'vitest';
import { baton, git, workdir } from './support/baton.js';

const random = seededRandom(8);

describe('baton scan', () => {
  it('exits 1 with masked findings in files, 0 when clean, 2 for a bad format', async () => {
    const key = FAKE_KEYS.githubClassic(random);
    const cwd = await workdir({
      'src/app.ts': `const token = '${key}';\n`,
      'README.md': '# app\n',
    });
    const found = await baton(['scan'], { cwd });
    expect(found.code).toBe(1);
    expect(found.stdout).toContain('src/app.ts:1:16  github-token');
    expect(found.stdout).not.toContain(key);
    expect((await baton(['scan', 'README.md'], { cwd })).code).toBe(0);
    expect((await baton(['scan', '--format', 'xml'], { cwd })).code).toBe(2);
  });

  it('prints SARIF, and JSON with --json', async () => {
    const cwd = await workdir({ '.env': `STRIPE_SECRET_KEY=${FAKE_KEYS.stripeLive(random)}\n` });
    const sarif = JSON.parse((await baton(['scan', '--format', 'sarif'], { cwd })).stdout);
    expect(sarif.runs[0].results[0].ruleId).toBe('stripe-secret-key');
    const json = JSON.parse((await baton(['scan', '--json'], { cwd })).stdout);
    expect(json.findings[0]).toMatchObject({ file: '.env', line: 1, rule: 'stripe-secret-key' });
  });

  it('--staged sees the index, --history sees removed secrets, .batonignore silences one', async () => {
    const cwd = await workdir();
    git(cwd, 'init', '-q', '-b', 'main');
    const { writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    await writeFile(join(cwd, 'config.py'), `API_TOKEN = "${FAKE_KEYS.slackBot(random)}"\n`);
    git(cwd, 'add', '.');
    const staged = await baton(['scan', '--staged', '--json'], { cwd });
    expect(staged.code).toBe(1);
    const [finding] = JSON.parse(staged.stdout).findings;
    git(cwd, 'commit', '-q', '-m', 'oops');
    await writeFile(join(cwd, 'config.py'), 'API_TOKEN = os.environ["API_TOKEN"]\n');
    git(cwd, 'commit', '-q', '-am', 'fix');
    expect((await baton(['scan'], { cwd })).code).toBe(0);
    const history = await baton(['scan', '--history'], { cwd });
    expect(history.code).toBe(1);
    expect(history.stdout).toMatch(/1 secret found: \d+ files? in 2 commits/);
    await writeFile(join(cwd, '.batonignore'), `${finding.fingerprint}  # rotated on 2024-06-01\n`);
    const ignored = await baton(['scan', '--history'], { cwd });
    expect([ignored.code, ignored.stdout]).toEqual([
      0,
      expect.stringMatching(/1 in \.batonignore/),
    ]);
  });
});
