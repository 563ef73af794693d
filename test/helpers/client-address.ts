import { request } from 'node:http';

export interface AddressedResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/**
 * One JSON request from a chosen loopback source address (127.0.0.2, 127.0.0.3, …): on
 * Linux the whole 127/8 is local, so tests can be several real clients without a proxy.
 */
export function requestFrom(
  sourceAddress: string,
  url: string,
  options: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<AddressedResult> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'POST',
        localAddress: sourceAddress,
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...options.headers },
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
