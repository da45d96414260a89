import { FAKE_KEYS, seededRandom } from '@baton-tools/scan-corpus';
import { describe, expect, it } from 'vitest';
import { baton, workdir } from './support/baton.js';

const random = seededRandom(77);
const anthropic = FAKE_KEYS.anthropic(random);

describe('get', () => {
  it('prints a masked value, and the value itself with --reveal', async () => {
    const cwd = await workdir({ '.env': `ANTHROPIC_API_KEY=${anthropic}\n` });
    const masked = await baton(['get', 'ANTHROPIC_API_KEY'], { cwd });
    expect(masked.stdout).toBe(`${anthropic.slice(0, 6)}********\n`);
    const revealed = await baton(['get', 'ANTHROPIC_API_KEY', '--reveal'], { cwd });
    expect(revealed.stdout).toBe(`${anthropic}\n`);
  });

  it('works while the registry store is down: only registry commands open it', async () => {
    const cwd = await workdir({ '.env': 'PLAIN=abc\n' });
    const env = { BATON_STORE: 'postgres://baton@127.0.0.1:1/none' };
    expect(await baton(['get', 'PLAIN', '--reveal'], { cwd, env })).toMatchObject({
      code: 0,
      stdout: 'abc\n',
    });
    expect((await baton(['status'], { cwd, env })).code).toBe(1);
  });

  it('exits 1 naming the ref when no source has it, and 2 for a malformed ref', async () => {
    const cwd = await workdir();
    const missing = await baton(['get', 'NOPE:v2'], { cwd });
    expect([missing.code, missing.stderr]).toEqual([
      1,
      expect.stringMatching(/No value for NOPE:v2/),
    ]);
    expect((await baton(['get', 'not a ref'], { cwd })).code).toBe(2);
  });
});

describe('check', () => {
  it('names what is missing and what is malformed, never a value; exit 1', async () => {
    const cwd = await workdir({
      '.env.example': 'ANTHROPIC_API_KEY=\nOPENAI_API_KEY=\nWEBHOOK_SECRET=\n',
      '.env': `ANTHROPIC_API_KEY=${anthropic}\nOPENAI_API_KEY=${anthropic}\n`,
    });
    const result = await baton(['check'], { cwd });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/2 of 3 required secrets need attention/);
    expect(result.stdout).toMatch(/WEBHOOK_SECRET is missing/);
    expect(result.stdout).toMatch(/OPENAI_API_KEY.*OpenAI API key/);
    expect(result.stdout).not.toContain(anthropic.slice(8));
    const json = JSON.parse(
      (await baton(['check', 'ANTHROPIC_API_KEY', '--json'], { cwd })).stdout,
    );
    expect(json).toEqual({ ok: true, checked: ['ANTHROPIC_API_KEY'], issues: [] });
  });
});

describe('run', () => {
  it('gives the child each ref under its env key, prints nothing itself, and passes its exit code', async () => {
    const cwd = await workdir({ '.env': 'WEBHOOK_SECRET_V2=s3cr3t-value\nPLAIN=abc\n' });
    const result = await baton(
      [
        'run',
        '--ref',
        'WEBHOOK_SECRET:v2',
        'PLAIN',
        '--',
        'sh',
        '-c',
        'echo "$WEBHOOK_SECRET_V2|$PLAIN"; exit 7',
      ],
      { cwd },
    );
    expect(result).toEqual({ code: 7, stdout: 's3cr3t-value|abc\n', stderr: '' });
  });

  it('forwards SIGTERM to the child, whose exit code comes back', async () => {
    const cwd = await workdir({ '.env': 'A=1\n' });
    const running = baton(
      [
        'run',
        '--ref',
        'A',
        '--',
        'sh',
        '-c',
        'trap "echo got-term; exit 42" TERM; echo ready; while :; do sleep 0.05; done',
      ],
      {
        cwd,
        // The child's output is the command's own (inherited): once it is up, signal baton.
        onStdout: (stdout, pid) => {
          if (stdout === 'ready\n') process.kill(pid, 'SIGTERM');
        },
      },
    );
    const result = await running;
    expect(result.code).toBe(42);
    expect(result.stdout).toBe('ready\ngot-term\n');
  });

  it('exits 2 when the command cannot be found', async () => {
    const cwd = await workdir({ '.env': 'A=1\n' });
    const result = await baton(['run', '--ref', 'A', '--', 'no-such-command-here'], { cwd });
    expect([result.code, result.stderr]).toEqual([
      2,
      expect.stringMatching(/no-such-command-here: command not found/),
    ]);
  });
});
