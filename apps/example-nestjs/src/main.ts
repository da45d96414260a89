import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

// rawBody: true keeps the exact bytes of JSON bodies, which @VerifyRef's signatures cover.
const app = await NestFactory.create(AppModule, { rawBody: true });
// SIGTERM/SIGINT run the shutdown hooks: BatonModule flushes audit events and closes stores.
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT ?? 3000));
console.warn(`example-nestjs listening on ${await app.getUrl()}`);
