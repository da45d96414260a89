import { fileURLToPath } from 'node:url';
import { ADAPTER_SECRETS, adapterVariants, HAND_WRITTEN } from '../adapter-variants.js';
import { compareHttp, startServer } from '../http.js';

/** HTTP overhead of @baton/nestjs's @VerifyRef against the same routes bare (Express platform). */
export default async function nestjs(): Promise<void> {
  const server = await startServer(new URL('../servers/nestjs-server.ts', import.meta.url), {
    ...ADAPTER_SECRETS,
    // Nest's decorators, in the server and in @baton/nestjs's sources, need legacy decorators.
    TSX_TSCONFIG_PATH: fileURLToPath(new URL('../../tsconfig.servers.json', import.meta.url)),
  });
  try {
    const { webhook, reports } = await adapterVariants(server.url);
    await compareHttp('NestJS: signed webhook (HMAC over the raw body)', webhook, {
      server,
      reference: HAND_WRITTEN,
    });
    await compareHttp('NestJS: API key (value proof)', reports, { server });
  } finally {
    await server.stop();
  }
}
