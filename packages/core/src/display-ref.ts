/**
 * How a ref appears in messages, spans and audit events. A ref is an identifier, but an app
 * may pass a credential by mistake where a ref belongs (`getSecret(process.env.TOKEN)`), and
 * many tokens parse as ref names. A name that looks random (long, with letters and digits
 * alternating again and again, as in `ghp_x7Kq2…`) is therefore described, not quoted.
 *
 * @example
 * displayRef('OPENAI_KEY:v2'); // 'OPENAI_KEY:v2'
 */
export function displayRef(ref: string): string {
  const colon = ref.indexOf(':');
  const name = colon === -1 ? ref : ref.slice(0, colon);
  if (name.length < 16) return ref;
  const switches = name.match(/[A-Za-z][0-9]|[0-9][A-Za-z]/g)?.length ?? 0;
  return switches >= 4
    ? `<a ref whose ${name.length}-character name looks like a credential>`
    : ref;
}
