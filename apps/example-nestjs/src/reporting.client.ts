import { InjectSecret } from '@baton/nestjs';
import { Injectable } from '@nestjs/common';

/** The reporting service's client: its token is injected by name, resolved before listening. */
@Injectable()
export class ReportingClient {
  constructor(@InjectSecret('REPORTING_TOKEN:v1') private readonly token: string) {}

  /** A real client would call the service with `Authorization: Bearer <token>`. */
  async latest(): Promise<string[]> {
    return this.token.length > 0 ? ['daily', 'weekly'] : [];
  }
}
