let encoder: TextEncoder | undefined;

/** Encodes text as UTF-8 (one encoder, made on first use: core does no work at import time). */
export function utf8(text: string): Uint8Array {
  encoder ??= new TextEncoder();
  return encoder.encode(text);
}
