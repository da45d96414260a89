/**
 * What the app reads from its environment: Worker bindings at the edge (`wrangler secret put`,
 * `[vars]`), `process.env` on Node. Secret values live one per ref under the ref's
 * environment key: `WEBHOOK_SECRET:v2` → `WEBHOOK_SECRET_V2`.
 */
export interface Bindings {
  /** The rotation registry as JSON (see `registryFromBindings`). */
  BATON_REGISTRY?: string;
  /** How long the previous ref stays accepted after a promotion, in ms. Default 86400000 (24 h). */
  BATON_GRACE_MS?: string;
  /** Secret values (`WEBHOOK_SECRET_V2`, `API_KEY_V1`, `REPORTING_TOKEN_V1`, …). */
  [key: string]: unknown;
}
