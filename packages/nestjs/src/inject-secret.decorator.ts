import { parseRef } from '@baton/core';
import { Inject } from '@nestjs/common';
import { secretToken } from './constants.js';

/**
 * Injects the value of a ref listed in the module's `secrets`, resolved before the app
 * listened. The value is the one read at start-up: for secrets that rotate while the app
 * runs, inject `SecretsService` and call `getSecret` (cached) or `withSecret` at each use.
 *
 * @example
 * BatonModule.forRoot({ isGlobal: true, secrets: ['OPENAI_KEY:v2'] });
 *
 * @Injectable()
 * export class ChatClient {
 *   constructor(@InjectSecret('OPENAI_KEY:v2') private readonly apiKey: string) {}
 * }
 */
export function InjectSecret(ref: string): PropertyDecorator & ParameterDecorator {
  return Inject(secretToken(parseRef(ref).ref));
}
