import { hostname, userInfo } from 'node:os';

/** Who made a registry change from the command line, for history and audit: `user@host`. */
export function cliActor(env: NodeJS.ProcessEnv): string {
  if (env.BATON_ACTOR) return env.BATON_ACTOR;
  let user = env.USER ?? env.USERNAME ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the environment's answer stands.
  }
  return `${user}@${hostname()}`;
}
