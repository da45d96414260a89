import { gzipSync } from 'node:zlib';
import { bundleWorker } from '@baton/example-hono/bundle-worker';
import { printTable } from '../harness.js';

const TARGET_GZIP_BYTES = 15 * 1024;
const OTEL = '@opentelemetry/api';

/**
 * What @baton/core weighs at the edge, as apps/example-hono's Worker bundles it (esbuild,
 * minified, gzipped). Each part's share is the difference between the whole bundle and the
 * bundle with that part left out, so it counts only what tree-shaking kept. Settings
 * (`@baton/core/settings`, zod) is a separate entry the example does not import.
 */
export default async function edgeBundle(): Promise<void> {
  const whole = await bundleWorker({ minify: true });
  const inputs = Object.keys(whole.metafile.inputs);
  if (inputs.some((input) => input.includes('core/src/settings/') || input.includes('/zod/'))) {
    throw new Error('the Worker bundle includes settings or zod: this measure assumes it does not');
  }
  const withoutOtel = await bundleWorker({ minify: true, external: [OTEL] });
  const withoutCore = await bundleWorker({ minify: true, external: [OTEL, '@baton/core'] });
  const size = (code: string) => ({
    min: Buffer.byteLength(code),
    gz: gzipSync(code, { level: 9 }).length,
  });
  const all = size(whole.code);
  const noOtel = size(withoutOtel.code);
  const noCore = size(withoutCore.code);
  const coreMinified = Object.entries(whole.metafile.outputs)
    .flatMap(([, output]) => Object.entries(output.inputs))
    .filter(([input]) => input.includes('packages/core/src/'))
    .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);

  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const core = { min: noOtel.min - noCore.min, gz: noOtel.gz - noCore.gz };
  printTable(
    'example-hono Worker bundle (esbuild, minified; gzip level 9)',
    ['part', 'minified', 'gzipped', 'target'],
    [
      [
        '@baton/core (without settings)',
        kb(core.min),
        kb(core.gz),
        `≤ ${kb(TARGET_GZIP_BYTES)} gz: ${core.gz <= TARGET_GZIP_BYTES ? 'met' : 'MISSED'}`,
      ],
      [`${OTEL} (core's peer)`, kb(all.min - noOtel.min), kb(all.gz - noOtel.gz), ''],
      ['hono, @baton/hono and the app', kb(noCore.min), kb(noCore.gz), ''],
      ['whole Worker', kb(all.min), kb(all.gz), ''],
    ],
  );
  process.stdout.write(
    `(@baton/core: ${inputs.filter((input) => input.includes('packages/core/src/')).length} modules, ${kb(coreMinified)} minified by esbuild's own count)\n`,
  );
}
