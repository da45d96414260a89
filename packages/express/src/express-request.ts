/** What `verifyRef` learned about an accepted caller, on `req.baton`. */
export interface VerifiedCaller {
  /** The logical secret the caller proved it holds, e.g. `WEBHOOK_SECRET`. */
  readonly logical: string;
  /**
   * The canonical ref it proved, e.g. `WEBHOOK_SECRET:v2`: the one it presented, or with
   * Standard Webhooks the one whose secret made the signature.
   */
  readonly ref: string;
  /** `'previous'` while a rotation is rolling out and the caller still uses the old ref. */
  readonly match: 'current' | 'previous';
  /** The message id (`webhook-id`, or `x-baton-id` when sent): a key for idempotency. */
  readonly id?: string;
}

declare global {
  namespace Express {
    interface Request {
      /** Set by `verifyRef` when the caller is accepted. */
      baton?: VerifiedCaller;
      /**
       * Set by `injectSecrets`: resolved values keyed by the refs as given. Not enumerable,
       * so logging or inspecting `req` does not print them.
       */
      secrets?: Readonly<Record<string, string>>;
    }
  }
}
