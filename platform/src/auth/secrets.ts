import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Random URL-safe text with `bytes` bytes of entropy. */
export const randomSecret = (bytes = 32): string => randomBytes(bytes).toString('base64url');

export const sha256Hex = (value: string): string => createHash('sha256').update(value).digest('hex');

/** Compares two strings without leaking where they differ. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const UUID_HEX = /^[0-9a-f]{32}$/;
const hexOf = (uuid: string) => uuid.replaceAll('-', '');
const uuidOf = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

/**
 * Session cookies and API tokens carry the tenant id in clear before their secret, so the
 * row is found by (tenant_id, sha256) — tenant_id leads every key. Only the hash is stored.
 */
export function mintCredential(tenantId: string, prefix: '' | 'dkt_'): { value: string; hash: string } {
  const value = `${prefix}${hexOf(tenantId)}.${randomSecret(32)}`;
  return { value, hash: sha256Hex(value) };
}

export function parseCredential(value: string, prefix: '' | 'dkt_'): { tenantId: string; hash: string } | undefined {
  if (!value.startsWith(prefix) || value.length > 200) return undefined;
  const [tenantHex, secret, extra] = value.slice(prefix.length).split('.');
  if (extra !== undefined || !tenantHex || !UUID_HEX.test(tenantHex) || !secret || secret.length < 32) return undefined;
  return { tenantId: uuidOf(tenantHex), hash: sha256Hex(value) };
}
