import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { SecretBox } from '../common/secret-box';
import { generateSigningSecret } from './delivery/webhook-signature';

/** How long the secret before a rotation keeps signing, so receivers can switch without a gap. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

interface SealedSecrets {
  secretEncrypted: string;
  previousSecretEncrypted: string | null;
  previousSecretExpiresAt: Date | null;
}

/** Signing secrets: made, sealed with SECRET_KEY for storage, and opened to sign. */
@Injectable()
export class WebhookSecrets implements OnModuleInit {
  private readonly logger = new Logger(WebhookSecrets.name);
  private readonly box: SecretBox;

  constructor(config: AppConfig) {
    this.box = new SecretBox(config.get('SECRET_KEY'));
  }

  onModuleInit(): void {
    if (this.box.usesDevelopmentKey) {
      this.logger.warn(
        'SECRET_KEY is not set: webhook secrets are sealed with a fixed development key (set SECRET_KEY in production)',
      );
    }
  }

  /** A new secret, in clear (shown once) and sealed (stored). */
  create(): { secret: string; sealed: string } {
    const secret = generateSigningSecret();
    return { secret, sealed: this.box.seal(secret) };
  }

  /** The secrets that sign at `at`: the current one, and the previous one during its overlap. */
  inForce(sealed: SealedSecrets, at: Date): string[] {
    const secrets = [this.box.open(sealed.secretEncrypted)];
    if (
      sealed.previousSecretEncrypted &&
      sealed.previousSecretExpiresAt &&
      sealed.previousSecretExpiresAt.getTime() > at.getTime()
    ) {
      secrets.push(this.box.open(sealed.previousSecretEncrypted));
    }
    return secrets;
  }
}
