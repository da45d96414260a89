import { ADAPTER_SECRETS, adapterVariants, HAND_WRITTEN } from '../adapter-variants.js';
import { compareHttp, startServer } from '../http.js';

/** HTTP overhead of @baton/hono's verifyRef against the same routes bare, on @hono/node-server. */
export default async function hono(): Promise<void> {
  const server = await startServer(
    new URL('../servers/hono-server.ts', import.meta.url),
    ADAPTER_SECRETS,
  );
  try {
    const { webhook, reports } = await adapterVariants(server.url);
    await compareHttp('Hono: signed webhook (HMAC over the raw body)', webhook, {
      server,
      reference: HAND_WRITTEN,
    });
    await compareHttp('Hono: API key (value proof)', reports, { server });
  } finally {
    await server.stop();
  }
}
