import { afterAll, describe, expect, it } from 'vitest';
import { baton, workdir } from './support/baton.js';
import { DATABASE_URL, postgresAvailable, uniqueSchema } from './support/postgres.js';

const available = await postgresAvailable();
const schema = uniqueSchema();
const store = () => {
  const url = new URL(DATABASE_URL);
  url.searchParams.set('schema', schema.name);
  return url.href;
};

describe.runIf(available)('registry commands on PostgreSQL', () => {
  afterAll(() => schema.drop());

  it('register, promote and status through a postgres:// store; history has each change', async () => {
    const cwd = await workdir();
    const env = { BATON_STORE: store(), BATON_ACTOR: 'ci' };
    expect((await baton(['register', 'PG_KEY', 'PG_KEY:v1'], { cwd, env })).code).toBe(0);
    expect(
      (await baton(['promote', 'PG_KEY', 'PG_KEY:v2', '--expect-revision', '1'], { cwd, env }))
        .code,
    ).toBe(0);
    const [entry] = JSON.parse((await baton(['status', 'PG_KEY', '--json'], { cwd, env })).stdout);
    expect(entry).toMatchObject({
      currentRef: 'PG_KEY:v2',
      previousRef: 'PG_KEY:v1',
      revision: 2,
      previousAccepted: true,
    });
    const history = JSON.parse((await baton(['history', 'PG_KEY', '--json'], { cwd, env })).stdout);
    expect(history.map((record: { change: string }) => record.change)).toEqual([
      'promote',
      'register',
    ]);
  });

  it('exits 1 without echoing the URL when the database refuses the connection', async () => {
    const cwd = await workdir();
    const result = await baton(
      ['status', '--store', 'postgres://baton:hunter2-pw@127.0.0.1:1/none'],
      { cwd },
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).not.toContain('hunter2-pw');
  });
});
