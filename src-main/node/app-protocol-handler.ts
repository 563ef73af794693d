/**
 * Answers `app://renderer/…` requests from the renderer's built folder (Electron's
 * `protocol.handle` takes exactly this function; the Playwright host serves through it too).
 */
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { APP_RESPONSE_HEADERS, resolveAppRequest } from '../common/app-protocol.js';

export function appProtocolHandler(rendererDir: string): (request: Request) => Promise<Response> {
  const root = path.resolve(rendererDir);
  return async (request) => {
    const answer = resolveAppRequest(request.method, request.url);
    if (answer.status !== 200) return new Response(null, { status: answer.status, headers: APP_RESPONSE_HEADERS });
    try {
      // A symlink inside the folder must not lead out of it.
      const file = await realpath(path.join(root, ...answer.file.split('/')));
      if (!file.startsWith(`${await realpath(root)}${path.sep}`)) throw new Error('outside the renderer folder');
      const body = request.method === 'HEAD' ? null : await readFile(file);
      return new Response(body, { status: 200, headers: { ...APP_RESPONSE_HEADERS, 'content-type': answer.contentType } });
    } catch {
      return new Response(null, { status: 404, headers: APP_RESPONSE_HEADERS });
    }
  };
}
