import { SecretsService } from '@baton/nestjs';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';

/**
 * Registers the rotation state this replica starts with, from `<NAME>_CURRENT` and
 * `<NAME>_PREVIOUS` variables, before the app listens. With a shared registry store (every
 * replica agreeing) this is done once by the rotation tooling instead.
 */
@Injectable()
export class RotationSeed implements OnModuleInit {
  static readonly LOGICAL = ['WEBHOOK_SECRET', 'API_KEY'] as const;

  constructor(@Inject(SecretsService) private readonly secrets: SecretsService) {}

  async onModuleInit(): Promise<void> {
    for (const logical of RotationSeed.LOGICAL) {
      const current = process.env[`${logical}_CURRENT`];
      if (current === undefined) continue;
      const previous = process.env[`${logical}_PREVIOUS`];
      await this.secrets.register(logical, current, {
        ...(previous === undefined ? {} : { previousRef: previous }),
        actor: 'startup',
      });
    }
  }
}
