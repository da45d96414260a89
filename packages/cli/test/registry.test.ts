import { describe, expect, it } from 'vitest';
import { baton, workdir } from './support/baton.js';

const STORE = ['--store', 'file:registry.json'];

describe('registry commands on a file store', () => {
  it('register, promote, status, verify, retire and history: a rotation from the terminal', async () => {
    const cwd = await workdir();
    const env = { BATON_ACTOR: 'alice' };
    expect(
      (await baton(['register', 'OPENAI_KEY', 'OPENAI_KEY:v1', ...STORE], { cwd, env })).stdout,
    ).toBe('Registered OPENAI_KEY: OPENAI_KEY:v1 is current (revision 1).\n');
    const promoted = await baton(
      ['promote', 'OPENAI_KEY', 'OPENAI_KEY:v2', '--expect-revision', '1', ...STORE],
      { cwd, env },
    );
    expect(promoted.code).toBe(0);
    expect(promoted.stdout).toMatch(/OPENAI_KEY:v1 is still accepted: expires in 23 h 59 min\./);

    const status = await baton(['status', ...STORE], { cwd });
    const [header, row] = status.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^LOGICAL\s+CURRENT\s+PREVIOUS\s+GRACE\s+REVISION\s+ACTIVATED$/);
    expect(row).toMatch(
      /^OPENAI_KEY\s+OPENAI_KEY:v2\s+OPENAI_KEY:v1\s+expires in 23 h 59 min\s+2\s+\d{4}-/,
    );
    // Columns line up: each cell starts where its header does.
    expect(row?.indexOf('OPENAI_KEY:v1')).toBe(header?.indexOf('PREVIOUS'));

    const json = JSON.parse(
      (await baton(['status', 'OPENAI_KEY', '--json', ...STORE], { cwd })).stdout,
    );
    expect(json).toEqual([
      {
        logical: 'OPENAI_KEY',
        currentRef: 'OPENAI_KEY:v2',
        previousRef: 'OPENAI_KEY:v1',
        revision: 2,
        activatedAt: expect.any(String),
        previousActivatedAt: expect.any(String),
        previousAccepted: true,
        graceRemainingMs: expect.any(Number),
        ageMs: expect.any(Number),
        overdue: false,
      },
    ]);

    const previous = await baton(['verify', 'OPENAI_KEY', 'OPENAI_KEY:v1', ...STORE], { cwd });
    expect([previous.code, previous.stdout]).toEqual([0, 'previous\n']);
    const wrong = await baton(['verify', 'OPENAI_KEY', 'OPENAI_KEY:v9', ...STORE], { cwd });
    expect([wrong.code, wrong.stdout]).toEqual([1, 'no_match\n']);

    const refused = await baton(['retire', 'OPENAI_KEY', ...STORE], { cwd, env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/inside its grace window .*--force/);
    const forced = await baton(['retire', 'OPENAI_KEY', '--force', ...STORE], { cwd, env });
    expect([forced.code, forced.stdout]).toEqual([
      0,
      'Retired OPENAI_KEY:v1: only OPENAI_KEY:v2 is accepted now.\n',
    ]);

    const history = JSON.parse(
      (await baton(['history', 'OPENAI_KEY', '--json', ...STORE], { cwd })).stdout,
    );
    expect(history).toEqual([
      {
        revision: 3,
        change: 'retire',
        fromRef: 'OPENAI_KEY:v1',
        actor: 'alice',
        at: expect.any(String),
      },
      {
        revision: 2,
        change: 'promote',
        fromRef: 'OPENAI_KEY:v1',
        toRef: 'OPENAI_KEY:v2',
        actor: 'alice',
        at: expect.any(String),
      },
      {
        revision: 1,
        change: 'register',
        toRef: 'OPENAI_KEY:v1',
        actor: 'alice',
        at: expect.any(String),
      },
    ]);
  });

  it('refuses a second register and a promotion from a stale revision, exit 1', async () => {
    const cwd = await workdir();
    await baton(['register', 'DB', 'DB:v1', ...STORE], { cwd });
    const again = await baton(['register', 'DB', 'DB:v2', ...STORE], { cwd });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already registered .*baton promote DB REF/);
    const stale = await baton(['promote', 'DB', 'DB:v2', '--expect-revision', '7', ...STORE], {
      cwd,
    });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/DB is at revision 1, not 7/);
  });

  it('reads the store and grace from baton.config.ts, and says when grace has run out', async () => {
    const cwd = await workdir({
      'baton.config.ts': [
        "import { defineConfig } from '@baton/cli';",
        "export default defineConfig({ store: 'file:registry.json', registry: { graceMs: 1 } });",
      ].join('\n'),
    });
    await baton(['register', 'API', 'API:v1'], { cwd });
    await baton(['promote', 'API', 'API:v2'], { cwd });
    const status = await baton(['status', 'API'], { cwd });
    expect(status.stdout).toMatch(/API\s+API:v2\s+API:v1\s+expired\s+2/);
    expect((await baton(['verify', 'API', 'API:v1'], { cwd })).stdout).toBe('previous_expired\n');
  });

  it('exits 2 for an unknown store scheme, no store, or a missing argument', async () => {
    const cwd = await workdir();
    const scheme = await baton(['status', '--store', 'mysql://root:pw@db/app'], { cwd });
    expect(scheme.code).toBe(2);
    expect(scheme.stderr).toMatch(/unknown scheme "mysql:"/);
    expect(scheme.stderr).not.toContain('pw');
    const none = await baton(['status'], { cwd });
    expect([none.code, none.stderr]).toEqual([
      2,
      expect.stringMatching(/No registry store: pass --store/),
    ]);
    expect((await baton(['promote', 'ONLY_LOGICAL'], { cwd })).code).toBe(2);
  });

  it('takes the store from BATON_STORE', async () => {
    const cwd = await workdir();
    const env = { BATON_STORE: 'file:registry.json' };
    await baton(['register', 'TOKEN', 'TOKEN:v4'], { cwd, env });
    expect(JSON.parse((await baton(['status', '--json'], { cwd, env })).stdout)[0].currentRef).toBe(
      'TOKEN:v4',
    );
  });
});
