import { type Baton, createBaton, envSource } from '@baton/core';
import { registryFromBindings } from '@baton/hono';
import type { Bindings } from './bindings.js';

const DAY_MS = 86_400_000;

/**
 * The app's Baton over its bindings: secrets from the bindings themselves, the registry from
 * `BATON_REGISTRY`, a grace window after each promotion (`graceAnchor: 'promotion'`: a sender
 * switches when the new ref is promoted, so the old one is honoured for a fixed time after).
 * Audit events go to stdout as JSON lines (the console on workerd).
 */
export function batonFromBindings(env: Bindings): Baton {
  const graceMs = env.BATON_GRACE_MS === undefined ? DAY_MS : Number(env.BATON_GRACE_MS);
  return createBaton({
    sources: [envSource({ env })],
    registry: {
      store: registryFromBindings(env.BATON_REGISTRY),
      graceMs,
      graceAnchor: 'promotion',
    },
  });
}
