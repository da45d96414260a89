import { type Baton, createBaton } from '@baton/core';
import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { BATON_MODULE_OPTIONS, ConfigurableModuleClass } from './baton.module-definition.js';
import type { BatonModuleOptions } from './baton-module-options.interface.js';
import { BATON } from './constants.js';
import { BatonStartupError } from './errors.js';
import { SecretsService } from './secrets.service.js';
import { VerifyRefGuard } from './verify-ref.guard.js';

/**
 * Baton for Nest. `forRoot(options)` or `forRootAsync({ imports, inject, useFactory })`,
 * with `isGlobal` and `secrets` beside them. The registry is loaded and every ref in
 * `secrets` resolved while the application is created, so the app never listens without
 * them; the Baton is closed when the application shuts down (`app.close()`, or a signal
 * with `app.enableShutdownHooks()`).
 *
 * @example
 * @Module({
 *   imports: [
 *     BatonModule.forRoot({
 *       isGlobal: true,
 *       sources: [envSource()],
 *       registry: { graceMs: 3_600_000 },
 *       secrets: ['OPENAI_KEY:v2'],
 *     }),
 *   ],
 * })
 * export class AppModule {}
 */
@Module({
  providers: [
    {
      provide: BATON,
      useFactory: async (options: BatonModuleOptions): Promise<Baton> => {
        const { baton: given, closeOnShutdown: _close, ...batonOptions } = options;
        const baton = given ?? createBaton(batonOptions);
        try {
          await baton.ready();
        } catch (error) {
          throw new BatonStartupError('load the registry', error);
        }
        return baton;
      },
      inject: [BATON_MODULE_OPTIONS],
    },
    SecretsService,
    VerifyRefGuard,
  ],
  exports: [BATON, SecretsService, VerifyRefGuard],
})
export class BatonModule extends ConfigurableModuleClass implements OnApplicationShutdown {
  constructor(
    @Inject(BATON) private readonly baton: Baton,
    @Inject(BATON_MODULE_OPTIONS) private readonly options: BatonModuleOptions,
  ) {
    super();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.options.closeOnShutdown !== false) await this.baton.close();
  }
}
