import { readFileSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIPv6 } from 'node:net';
import { clientHost, configForSending } from '../send-test/send-test.ts';

/** A failure to report in one line, exit 1. */
export class AdminError extends Error {}

export interface AdminFlags {
  /** http(s)://host:port of an admin listener; default: this configuration's, on loopback. */
  url?: string;
  /** File holding the admin token; default VIGIL_ADMIN_TOKEN[_FILE] or the configuration's. */
  tokenFile?: string;
  /** PEM CA to verify an HTTPS admin listener; `insecure` skips verification. */
  ca?: string;
  insecure?: boolean;
}

export interface AdminTarget {
  url: URL;
  token?: string;
  tls: { ca?: Buffer; rejectUnauthorized: boolean };
}

/** Where `vigil tap` and `vigil top` connect, and with what token. */
export function adminTarget(flags: AdminFlags): AdminTarget {
  const config = flags.url === undefined || flags.tokenFile === undefined ? configForSending() : undefined;
  let url: URL;
  if (flags.url !== undefined) {
    if (!URL.canParse(flags.url) || !/^https?:$/.test(new URL(flags.url).protocol)) throw new AdminError(`--url must be an http:// or https:// URL, got "${flags.url}"`);
    url = new URL(flags.url);
  } else {
    const admin = config!.listen.admin;
    if (admin.port === null || admin.port === 0) throw new AdminError('no admin port in the configuration (it is off or picked at random): give --url');
    const host = clientHost(admin.host);
    url = new URL(`${admin.tls.cert && admin.tls.key ? 'https' : 'http'}://${isIPv6(host) ? `[${host}]` : host}:${admin.port}`);
  }
  return { url, token: flags.tokenFile === undefined ? config!.listen.admin.token : readToken(flags.tokenFile), tls: { ca: flags.ca === undefined ? undefined : readCa(flags.ca), rejectUnauthorized: !flags.insecure } };
}

function readToken(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new AdminError(`cannot read --token-file: ${(error as Error).message}`);
  }
}

function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new AdminError(`cannot read --ca: ${(error as Error).message}`);
  }
}

/** GET `path` on the admin listener; a refusal or an unreachable listener is an AdminError naming it. */
export function adminGet(target: AdminTarget, path: string, query: Record<string, string | undefined> = {}): Promise<IncomingMessage> {
  const url = new URL(path, target.url);
  for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
  const get = url.protocol === 'https:' ? https.get : http.get;
  const headers: Record<string, string> = target.token ? { authorization: `Bearer ${target.token}` } : {};
  return new Promise((resolve, reject) => {
    const request = get(url, { headers, ...(url.protocol === 'https:' ? target.tls : {}) }, (response) => {
      if (response.statusCode === 200) return resolve(response);
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk.slice(0, 1000))).on('end', () => {
        const why = response.statusCode === 401
          ? 'missing or wrong admin token (give --token-file, or set VIGIL_ADMIN_TOKEN)'
          : (safeError(body) ?? `HTTP ${response.statusCode}`);
        reject(new AdminError(`${target.url.origin} refused ${url.pathname} (${response.statusCode}): ${why}`));
      });
    });
    request.on('error', (error) => reject(new AdminError(`cannot reach the admin listener at ${target.url.origin}: ${error.message}`)));
  });
}

export async function adminJson<T>(target: AdminTarget, path: string, query: Record<string, string | undefined> = {}): Promise<T> {
  const response = await adminGet(target, path, query);
  let text = '';
  for await (const chunk of response.setEncoding('utf8')) text += chunk as string;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new AdminError(`${target.url.origin}${path} did not answer JSON`);
  }
}

function safeError(body: string): string | undefined {
  try {
    const error = (JSON.parse(body) as { error?: unknown }).error;
    return typeof error === 'string' ? error : undefined;
  } catch {
    return undefined;
  }
}
