/**
 * Gives an object that holds secrets (a cache of values, a raw header) one summary for every
 * way it can be printed: Node's `util.inspect` (and so `console.log`), Deno's inspector and
 * `JSON.stringify`. The summary names counts and sources, never values. Set per instance at
 * construction, so nothing runs at import time.
 *
 * @example
 * conceal(this, () => `SecretCache { ${this.entries.size} entries }`);
 */
export function conceal(target: object, summary: () => string): void {
  const show = () => summary();
  Object.defineProperties(target, {
    [Symbol.for('nodejs.util.inspect.custom')]: { value: show },
    [Symbol.for('Deno.customInspect')]: { value: show },
    toJSON: { value: show },
  });
}
