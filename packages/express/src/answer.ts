import type { Response } from 'express';

/**
 * Sends one of the adapter's fixed JSON bodies. Written as text rather than with `res.json`,
 * so an app's `json spaces` or replacer settings cannot change what a refused caller sees.
 */
export function answer(res: Response, status: number, body: string): void {
  res.status(status);
  res.set('cache-control', 'no-store');
  res.type('application/json');
  res.send(body);
}
