/**
 * The other process of the registry benchmark. `baton <file|postgres> <path|url> [schema]`
 * runs a replica and prints `accepted <ref> <ns>` the moment verifyRef accepts each newly
 * current ref; `raw <file|postgres> <dir|url> [channel]` prints `seen <name> <ns>` for each
 * bare change notification (the baseline). Times come from process.hrtime, the host's
 * monotonic clock, which the parent process reads too. A line `cpu` on stdin prints
 * `cpu <µs>`, the CPU time (user and system) the process has spent.
 */
import { watch } from 'node:fs';
import { createInterface } from 'node:readline';
import { createBaton, type RegistryEntry, type RegistryStore } from '@baton/core';
import { fileStore } from '@baton/core/node';
import { postgresStore } from '@baton/registry-postgres';
import pg from 'pg';

const [mode, kind, target = '', extra = ''] = process.argv.slice(2);
const print = (line: string) => process.stdout.write(`${line}\n`);
// Stays up until the parent ends it, as a server would; `cpu` asks for the CPU time so far.
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line !== 'cpu') return;
  const { user, system } = process.cpuUsage();
  print(`cpu ${user + system}`);
});
const now = () => process.hrtime.bigint().toString();

/** Lets the replica check verifyRef right after the registry took in each pushed change. */
function observed(store: RegistryStore, onChange: (entries: readonly RegistryEntry[]) => void) {
  const wrapped: RegistryStore = {
    name: store.name,
    load: () => store.load(),
    apply: (change, at) => store.apply(change, at),
    subscribe: (listener) =>
      store.subscribe?.((entries) => {
        listener(entries);
        onChange(entries);
      }) ?? (() => undefined),
    close: () => store.close?.() ?? Promise.resolve(),
  };
  return wrapped;
}

if (mode === 'baton') {
  const store =
    kind === 'file'
      ? fileStore({ path: target })
      : postgresStore({ connectionString: target, schema: extra });
  const reported = new Set<string>();
  const baton = createBaton({
    audit: false,
    registry: {
      store: observed(store, (entries) => {
        for (const entry of entries) {
          if (reported.has(entry.currentRef) || !baton.verifyRef(entry.logical, entry.currentRef)) {
            continue;
          }
          reported.add(entry.currentRef);
          print(`accepted ${entry.currentRef} ${now()}`);
        }
      }),
    },
  });
  await baton.ready();
  print('ready');
} else if (kind === 'postgres') {
  const client = new pg.Client({ connectionString: target });
  await client.connect();
  client.on('notification', (message) => print(`seen ${message.payload} ${now()}`));
  await client.query(`LISTEN "${extra}"`);
  print('ready');
} else {
  const seen = new Set<string>();
  watch(target, (_event, name) => {
    if (name === null || !name.startsWith('raw-') || seen.has(name)) return;
    seen.add(name);
    print(`seen ${name} ${now()}`);
  });
  print('ready');
}
