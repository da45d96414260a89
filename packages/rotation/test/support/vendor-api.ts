/**
 * A small API vendor, as many issue keys: `POST /v1/keys` (with the admin token) makes a key,
 * `GET /v1/me` answers 200 for an active key and 401 otherwise, `DELETE /v1/keys/:id`
 * revokes one. On 127.0.0.1, an ephemeral port.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

export async function startVendorApi(adminToken: string) {
  const keys = new Map<string, { id: string; active: boolean }>();
  let created = 0;
  const server = createServer((req, res) => {
    const bearer = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/v1/me') {
      const key = keys.get(bearer);
      if (key?.active) answer(200, { keyId: key.id });
      else answer(401, { error: 'invalid_api_key' });
      return;
    }
    if (bearer !== adminToken) return answer(401, { error: 'invalid_admin_token' });
    if (req.method === 'POST' && req.url === '/v1/keys') {
      const id = `key_${++created}`;
      const key = `vk_live_${randomBytes(24).toString('hex')}`;
      keys.set(key, { id, active: true });
      return answer(201, { id, key });
    }
    const revoke = req.method === 'DELETE' ? /^\/v1\/keys\/(key_\d+)$/.exec(req.url ?? '') : null;
    if (revoke !== null) {
      for (const key of keys.values()) if (key.id === revoke[1]) key.active = false;
      return answer(204, null);
    }
    answer(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    /** How many keys were ever made. */
    get created() {
      return created;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
