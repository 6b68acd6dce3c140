import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** Used only when SECRET_KEY is unset outside production; the log says so at start. */
const DEVELOPMENT_KEY = 'crypto-freq-trade development key: set SECRET_KEY in production';

/**
 * Seals secrets at rest (webhook signing secrets, answers kept for an Idempotency-Key) with
 * AES-256-GCM under a key derived from SECRET_KEY. The sealed form names the key it was sealed
 * with, so a changed SECRET_KEY is reported, not mistaken.
 */
export class SecretBox {
  private readonly key: Buffer;
  private readonly keyId: string;

  constructor(secretKey: string | undefined) {
    this.key = createHash('sha256')
      .update(secretKey ?? DEVELOPMENT_KEY)
      .digest();
    this.keyId = createHash('sha256').update(this.key).digest('hex').slice(0, 8);
  }

  get usesDevelopmentKey(): boolean {
    return this.keyId === new SecretBox(undefined).keyId;
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [
      'v1',
      this.keyId,
      iv.toString('base64'),
      cipher.getAuthTag().toString('base64'),
      sealed.toString('base64'),
    ].join(':');
  }

  open(sealed: string): string {
    const [version, keyId, iv, tag, data] = sealed.split(':');
    if (version !== 'v1' || !iv || !tag || !data) {
      throw new Error('A stored secret is not in the sealed format');
    }
    if (keyId !== this.keyId) {
      throw new Error(
        `A stored secret was sealed with another SECRET_KEY (key id ${keyId}, current ${this.keyId})`,
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString(
      'utf8',
    );
  }
}
