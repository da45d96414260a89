import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { batonFromBindings } from './baton.js';

/** The same app on Node: `process.env` plays the part of the Worker bindings. */
const baton = batonFromBindings(process.env);
await baton.ready();
const app = createApp(baton);
const port = Number(process.env.PORT ?? 3000);

const server = serve({ fetch: app.fetch, port }, (info) => {
  console.warn(`example-hono listening on http://localhost:${info.port}`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close(() => void baton.close());
  });
}
