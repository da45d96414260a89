import { Miniflare } from 'miniflare';
import { bundleWorker } from './bundle-worker.js';

/**
 * Runs the Worker in workerd (through Miniflare) on http://localhost:8787, with the process
 * environment's string variables as its bindings, as `wrangler secret put` would set them.
 */
const bindings = Object.fromEntries(
  Object.entries(process.env).filter(
    (entry): entry is [string, string] =>
      /^[A-Z][A-Z0-9_]*$/.test(entry[0]) && entry[1] !== undefined,
  ),
);
const { code } = await bundleWorker();
const mf = new Miniflare({
  modules: true,
  script: code,
  compatibilityDate: '2026-04-01',
  bindings,
  port: Number(process.env.PORT ?? 8787),
});
console.warn(`example-hono on workerd at ${await mf.ready}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void mf.dispose());
}
