import { createHash, randomBytes } from 'node:crypto';

const KEY_PREFIX = 'cft_';
const VISIBLE_PREFIX_LENGTH = 12;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The part of a key that may be shown again later, to recognise it in lists and logs. */
export function visiblePrefix(key: string): string {
  return key.slice(0, Math.min(VISIBLE_PREFIX_LENGTH, Math.max(4, Math.floor(key.length / 3))));
}

/** A new secret: `cft_` and 32 url-safe characters (192 random bits). */
export function generateApiKey(): string {
  return `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
}

/** Reads the key from `x-api-key` or `Authorization: Bearer <key>`; undefined when neither is set. */
export function extractApiKey(
  headers: Record<string, string | string[] | undefined>,
): string | undefined {
  const direct = headers['x-api-key'];
  if (typeof direct === 'string' && direct.length > 0) {
    return direct.trim();
  }
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match?.[1]) {
      return match[1];
    }
    const basic = /^Basic\s+(\S+)\s*$/i.exec(authorization);
    if (basic?.[1]) {
      // Browsers (Bull Board) send the key as the Basic password; the user name is ignored.
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
      const separator = decoded.indexOf(':');
      const password = separator >= 0 ? decoded.slice(separator + 1) : decoded;
      return password.length > 0 ? password : undefined;
    }
  }
  return undefined;
}
