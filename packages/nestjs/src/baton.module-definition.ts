import { type Baton, ConfigError, parseRef } from '@baton/core';
import { ConfigurableModuleBuilder, type FactoryProvider } from '@nestjs/common';
import type { BatonModuleExtras, BatonModuleOptions } from './baton-module-options.interface.js';
import { BATON, BATON_SECRETS, secretToken } from './constants.js';
import { BatonStartupError } from './errors.js';

const EXTRAS_DEFAULTS: Required<BatonModuleExtras> = { isGlobal: false, secrets: [] };

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: BATON_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<BatonModuleOptions>({ moduleName: 'Baton' })
  .setClassMethodName('forRoot')
  .setExtras<BatonModuleExtras>(EXTRAS_DEFAULTS, (definition, extras) => {
    const providers = secretProviders(extras.secrets ?? []);
    return {
      ...definition,
      global: extras.isGlobal ?? false,
      providers: [...(definition.providers ?? []), ...providers],
      exports: [...(definition.exports ?? []), ...providers.map((provider) => provider.provide)],
    };
  })
  .build();

/**
 * The start-up resolution of `secrets` (one batch read: a missing ref stops start-up with an
 * error naming every missing ref), and one provider per ref handing out its value.
 */
function secretProviders(refs: readonly string[]): FactoryProvider[] {
  if (!Array.isArray(refs)) throw new ConfigError('BatonModule: secrets must be an array of refs');
  const issues: string[] = [];
  const perRef: FactoryProvider[] = [];
  refs.forEach((ref, index) => {
    try {
      perRef.push({
        provide: secretToken(parseRef(ref).ref),
        useFactory: (values: Record<string, string>) => values[ref],
        inject: [BATON_SECRETS],
      });
    } catch (error) {
      issues.push(`BatonModule: secrets[${index}]: ${(error as Error).message}`);
    }
  });
  if (issues.length > 0) throw new ConfigError(issues);
  return [
    {
      provide: BATON_SECRETS,
      useFactory: async (baton: Baton) => {
        try {
          return await baton.getSecrets(refs);
        } catch (error) {
          throw new BatonStartupError('resolve its secrets', error);
        }
      },
      inject: [BATON],
    },
    ...perRef,
  ];
}
