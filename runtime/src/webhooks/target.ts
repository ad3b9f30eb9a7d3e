import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { InputError } from '../errors.ts';

/**
 * Where webhooks may go. A subscriber chooses the URL, so without care Docket would POST into the
 * operator's own network (SSRF): loopback, private, link-local (cloud metadata) and other
 * non-public addresses are refused unless the operator allows them (`allowPrivateTargets`).
 */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv4');
}
// Besides loopback, unique-local, link-local and multicast: the ranges that carry an IPv4
// address inside IPv6 (IPv4-compatible, NAT64, 6to4, Teredo), through which any private IPv4
// target could be reached, and other special-purpose space no webhook receiver uses.
for (const [net, bits] of [
  ['::', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 32],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv6');
}

/** True for any address a public webhook receiver cannot have (IPv4-mapped IPv6 is judged as IPv4). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isPrivateAddress(mapped[1] as string);
  const family = isIP(address);
  if (family === 0) return true;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const MAX_URL_LENGTH = 2000;

const badUrl = (code: string, message: string) => new InputError(code, message, { errors: [{ field: 'url', pointer: '/url', code, message }] });

/**
 * Checks a subscription URL before it is stored: http(s), no credentials, and (unless allowed) no
 * literal private address or localhost. Names resolving to private addresses are caught at delivery.
 */
export function checkWebhookUrl(raw: string, options: { allowPrivateTargets: boolean }): URL {
  if (raw.length > MAX_URL_LENGTH) throw badUrl('WEBHOOK_INVALID_URL', `The URL is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badUrl('WEBHOOK_INVALID_URL', `"${raw}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badUrl('WEBHOOK_INVALID_URL', `Only http: and https: URLs are allowed, not ${url.protocol}`);
  if (url.username || url.password) throw badUrl('WEBHOOK_INVALID_URL', 'The URL must not carry credentials; verify requests with X-Docket-Signature instead');
  if (!options.allowPrivateTargets) {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) !== 0 && isPrivateAddress(host))) {
      throw badUrl('WEBHOOK_PRIVATE_TARGET', `${url.hostname} is a private or loopback address; an operator must allow private webhook targets`);
    }
  }
  return url;
}

/** Refused before any byte is sent: retrying cannot help. */
export class PrivateTargetError extends Error {}

/** Resolves like the system does, then refuses private answers, so a DNS name cannot smuggle in an internal target. */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 4);
    const refused = addresses.find((a) => isPrivateAddress(a.address));
    if (refused || addresses.length === 0) {
      return callback(new PrivateTargetError(`${hostname} resolves to ${refused?.address ?? 'nothing'}, a private address`), '', 4);
    }
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const first = addresses[0] as LookupAddress;
    callback(null, first.address, first.family);
  });
};

export interface PostResult {
  statusCode: number | null;
  /** Set when no HTTP answer came (timeout, refused connection, private target) or the answer was not 2xx. */
  error: string | null;
  durationMs: number;
  /** False when retrying cannot change the outcome (private target, a 4xx other than 408/429, a redirect). */
  retryable: boolean;
}

const RESPONSE_SNIPPET = 300;

/** One POST of `body`; never throws. Redirects are not followed (a redirect could point inside). */
export async function postWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: { timeoutMs: number; allowPrivateTargets: boolean },
): Promise<PostResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const target = new URL(url);
  const literal = target.hostname.replace(/^\[|\]$/g, '');
  if (!options.allowPrivateTargets && (isIP(literal) !== 0 ? isPrivateAddress(literal) : false)) {
    return { statusCode: null, error: `${target.hostname} is a private address`, durationMs: 0, retryable: false };
  }
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<PostResult>((resolve) => {
    const req = send(target, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      ...(options.allowPrivateTargets ? {} : { lookup: publicOnlyLookup }),
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    const finish = (result: Omit<PostResult, 'durationMs'>) => {
      clearTimeout(timer);
      resolve({ ...result, durationMs: elapsed() });
    };
    req.on('error', (e) => finish({ statusCode: null, error: e.message, retryable: !(e instanceof PrivateTargetError) }));
    req.on('response', (res: IncomingMessage) => {
      let snippet = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (snippet.length < RESPONSE_SNIPPET) snippet += chunk.slice(0, RESPONSE_SNIPPET - snippet.length);
      });
      res.on('error', (e) => finish({ statusCode: res.statusCode ?? null, error: e.message, retryable: true }));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return finish({ statusCode: status, error: null, retryable: false });
        const retryable = status >= 500 || status === 429 || status === 408;
        finish({ statusCode: status, error: `HTTP ${status}${snippet ? `: ${snippet}` : ''}`, retryable });
      });
    });
    req.end(body);
  });
}
