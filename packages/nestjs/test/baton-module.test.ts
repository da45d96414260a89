import 'reflect-metadata';
import { inspect } from 'node:util';
import {
  ClosedError,
  createBaton,
  envSource,
  memoryStore,
  type RegistryStore,
  SecretRefError,
} from '@baton/core';
import { manualClock } from '@baton/core/testing';
import { deferred, testSource } from '@baton-tools/test-kit';
import { Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { BatonModule, BatonStartupError, InjectSecret, SecretsService } from '../src/index.js';
import { ENV, HOUR, recordingLogger } from './fixtures.js';

@Injectable()
class ChatClient {
  constructor(
    @InjectSecret('OPENAI_KEY:v2') readonly apiKey: string,
    @Inject(SecretsService) readonly secrets: SecretsService,
  ) {}
}

/** Configuration as an app would have it, from its own module. */
@Injectable()
class AppConfig {
  readonly env = ENV;
  readonly graceMs = 2 * HOUR;
}

@Module({ providers: [AppConfig], exports: [AppConfig] })
class ConfigModule {}

@Module({ providers: [ChatClient], exports: [ChatClient] })
class ChatModule {}

describe('BatonModule', () => {
  it('forRoot: injects a secret by name and SecretsService into a provider', async () => {
    const module = await Test.createTestingModule({
      imports: [
        BatonModule.forRoot({
          sources: [envSource({ env: ENV })],
          audit: false,
          secrets: ['OPENAI_KEY:V2'],
        }),
      ],
      providers: [ChatClient],
    }).compile();
    const client = module.get(ChatClient);
    expect(client.apiKey).toBe(ENV.OPENAI_KEY_V2);
    expect(await client.secrets.getSecret('API_KEY:v1')).toBe(ENV.API_KEY_V1);
    await module.close();
  });

  it('forRootAsync with isGlobal: options from an injected provider, secrets in every module', async () => {
    const module = await Test.createTestingModule({
      imports: [
        BatonModule.forRootAsync({
          isGlobal: true,
          secrets: ['OPENAI_KEY:v2'],
          imports: [ConfigModule],
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({
            sources: [envSource({ env: config.env })],
            registry: { graceMs: config.graceMs },
            audit: false,
          }),
        }),
        ChatModule,
      ],
    }).compile();
    const client = module.get(ChatClient);
    expect(client.apiKey).toBe(ENV.OPENAI_KEY_V2);
    await client.secrets.register('API_KEY', 'API_KEY:v1');
    await client.secrets.promote('API_KEY', 'API_KEY:v2');
    const status = client.secrets.status('API_KEY');
    expect(status?.previousRef).toBe('API_KEY:v1');
    expect(status?.graceMs).toBe(2 * HOUR); // from the injected configuration
    await module.close();
  });

  it('stops start-up, naming every missing ref, when a required secret cannot be resolved', async () => {
    @Module({
      imports: [
        BatonModule.forRoot({
          sources: [envSource({ env: ENV })],
          audit: false,
          secrets: ['OPENAI_KEY:v2', 'STRIPE_KEY:v3', 'GITHUB_TOKEN'],
        }),
      ],
    })
    class AppModule {}
    const logger = recordingLogger();
    const error = await NestFactory.create(AppModule, { logger, abortOnError: false }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(BatonStartupError);
    expect(error).toMatchObject({ code: 'BATON_NOT_FOUND' });
    expect((error as Error).message).toMatch(
      /BatonModule could not resolve its secrets before the application starts: 2 of 3 refs could not be resolved/,
    );
    expect((error as Error).message).toContain('STRIPE_KEY:v3');
    expect((error as Error).message).toContain('GITHUB_TOKEN');
  });

  it('loads the registry before the application exists, so it never listens without it', async () => {
    const backing = memoryStore();
    await createBaton({ registry: { store: backing }, audit: false }).register(
      'API_KEY',
      'API_KEY:v1',
    );
    const gate = deferred();
    const slow: RegistryStore = {
      ...backing,
      // Like a file or database store: nothing is known before load() answers.
      loadSync: undefined,
      name: 'slow',
      load: () => gate.promise.then(() => backing.load()),
    };
    @Module({ imports: [BatonModule.forRoot({ registry: { store: slow }, audit: false })] })
    class AppModule {}
    let created = false;
    const creating = NestFactory.create(AppModule, { logger: false }).then((app) => {
      created = true;
      return app;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(created).toBe(false);
    gate.resolve();
    const app = await creating;
    expect(app.get(SecretsService).verifyRef('API_KEY', 'API_KEY:v1')).toBe(true);
    await app.close();
  });

  it('stops start-up when the registry store cannot be loaded, without printing the store’s own error', async () => {
    const store: RegistryStore = {
      ...memoryStore(),
      loadSync: undefined,
      name: 'pg',
      load: () => Promise.reject(new Error('connect ECONNREFUSED postgres://app:hunter2@db/app')),
    };
    @Module({ imports: [BatonModule.forRoot({ registry: { store }, audit: false })] })
    class AppModule {}
    const logger = recordingLogger();
    const error = await NestFactory.create(AppModule, { logger, abortOnError: false }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'BATON_STORE_FAILED' });
    expect((error as Error).message).toMatch(/could not load the registry .*Registry store "pg"/);
    expect(inspect(error)).not.toContain('hunter2');
    expect((error as BatonStartupError).underlying).toBeInstanceOf(Error);
  });

  it('closes the Baton and its registry store when the application shuts down', async () => {
    let closed = 0;
    const store: RegistryStore = { ...memoryStore(), close: async () => void closed++ };
    @Module({ imports: [BatonModule.forRoot({ registry: { store }, audit: false })] })
    class AppModule {}
    const app = await NestFactory.create(AppModule, { logger: false });
    const secrets = app.get(SecretsService);
    await app.close();
    expect(closed).toBe(1);
    await expect(async () => secrets.register('API_KEY', 'API_KEY:v1')).rejects.toBeInstanceOf(
      ClosedError,
    );
  });

  it('leaves a given Baton open on shutdown with closeOnShutdown: false', async () => {
    const baton = createBaton({ audit: false });
    @Module({ imports: [BatonModule.forRoot({ baton, closeOnShutdown: false })] })
    class AppModule {}
    const app = await NestFactory.create(AppModule, { logger: false });
    expect(app.get(SecretsService).baton).toBe(baton);
    await app.close();
    await expect(baton.register('API_KEY', 'API_KEY:v1')).resolves.toMatchObject({ revision: 1 });
  });

  it('refuses refs that do not parse, in secrets and in @InjectSecret', () => {
    expect(() => BatonModule.forRoot({ secrets: ['OPENAI_KEY:v2', 'openai key', 'K:v0'] })).toThrow(
      /secrets\[1\][\s\S]*secrets\[2\]/,
    );
    expect(() => InjectSecret('OPENAI-KEY')).toThrow(SecretRefError);
  });
});

describe('SecretsService', () => {
  it('is the Baton API: secrets, rotation, grace, verification, signing', async () => {
    const clock = manualClock();
    const source = testSource('vault', { 'HOOK:v1': 'one', 'HOOK:v2': 'two' });
    const module = await Test.createTestingModule({
      imports: [
        BatonModule.forRoot({
          sources: [source],
          clock,
          audit: false,
          registry: { graceMs: HOUR },
        }),
      ],
    }).compile();
    const secrets = module.get(SecretsService);

    expect(await secrets.getSecrets(['HOOK:v1', 'HOOK:v2'])).toEqual({
      'HOOK:v1': 'one',
      'HOOK:v2': 'two',
    });
    source.values['HOOK:v2'] = 'two-rotated';
    expect(await secrets.getSecret('HOOK:v2')).toBe('two');
    expect(await secrets.rotateSecret('HOOK:v2')).toBe('two-rotated');

    await secrets.register('HOOK', 'HOOK:v1');
    const promoted = await secrets.promote('HOOK', 'HOOK:v2', { actor: 'ops' });
    expect(promoted).toMatchObject({ currentRef: 'HOOK:v2', previousRef: 'HOOK:v1', revision: 2 });
    expect(secrets.verifyRef('HOOK', 'HOOK:v1')).toBe(true);
    expect(secrets.checkRef('HOOK', 'HOOK:v9')).toEqual({ accepted: false, reason: 'no_match' });
    expect(await secrets.retirePrevious('HOOK')).toBe(false); // inside grace, not forced
    expect(await secrets.validateGrace('HOOK')).toBe(true);
    clock.advance(HOUR);
    expect(await secrets.validateGrace('HOOK')).toBe(false);
    expect(secrets.status()).toHaveLength(1);
    expect((await secrets.history({ logical: 'HOOK' }))[0]).toMatchObject({
      change: 'grace_expired',
    });

    const headers = await secrets.sign('HOOK', 'body');
    expect(headers['x-baton-ref']).toBe('HOOK:v2');
    await expect(
      secrets.verifyRequest({ logical: 'HOOK', headers, body: 'body' }),
    ).resolves.toMatchObject({
      ok: true,
      match: 'current',
    });
    expect(await secrets.withSecret('HOOK:v1', (value) => value.toUpperCase())).toBe('ONE');
    await module.close();
  });
});
