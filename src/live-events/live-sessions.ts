import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { AuthException } from '../auth/auth.exception';
import { ApiKeysService } from '../auth/api-keys.service';
import type { Principal } from '../auth/principal';

/** What a subscription's context carries: the websocket and who opened it (null: PUBLIC_READ). */
export interface LiveSessionContext {
  socket?: {
    close(code?: number, reason?: string): void;
    once(event: 'close', listener: () => void): unknown;
  };
  principal?: Principal | null;
}

/** Close code sent to subscription sockets whose key was revoked (4xxx: application codes). */
export const REVOKED_CLOSE_CODE = 4403;

/**
 * Keeps GraphQL subscription websockets by the API key that opened them, so a revoked key stops
 * receiving at once: every replica hears the revocation (the key change announced on Redis) and
 * closes that key's sockets, and refuses new subscriptions on a connection it was too late to
 * close. The key is checked once when a connection opens; this is what makes revocation reach
 * connections that are already open.
 */
@Injectable()
export class LiveSessions implements OnModuleInit {
  private readonly logger = new Logger(LiveSessions.name);
  private readonly sockets = new Map<string, Set<NonNullable<LiveSessionContext['socket']>>>();
  /** Keys revoked while this process runs. */
  private readonly revoked = new Set<string>();

  constructor(private readonly apiKeys: ApiKeysService) {}

  onModuleInit(): void {
    this.apiKeys.onChange((keyHash) => {
      this.apiKeys.revokedKeyId(keyHash).then(
        (id) => id && this.closeKey(id),
        (error: Error) =>
          this.logger.warn(`Could not check a changed API key for live sessions: ${error.message}`),
      );
    });
  }

  /** Called by every subscription field before it subscribes. */
  track(context: LiveSessionContext): void {
    const { principal, socket } = context;
    if (!principal) {
      return;
    }
    if (this.revoked.has(principal.apiKeyId)) {
      throw new AuthException('UNAUTHENTICATED', 'This API key has been revoked');
    }
    if (!socket) {
      return;
    }
    let sockets = this.sockets.get(principal.apiKeyId);
    if (!sockets) {
      sockets = new Set();
      this.sockets.set(principal.apiKeyId, sockets);
    }
    if (!sockets.has(socket)) {
      sockets.add(socket);
      socket.once('close', () => {
        sockets.delete(socket);
        if (sockets.size === 0 && this.sockets.get(principal.apiKeyId) === sockets) {
          this.sockets.delete(principal.apiKeyId);
        }
      });
    }
  }

  private closeKey(apiKeyId: string): void {
    this.revoked.add(apiKeyId);
    const sockets = this.sockets.get(apiKeyId);
    this.sockets.delete(apiKeyId);
    for (const socket of sockets ?? []) {
      socket.close(REVOKED_CLOSE_CODE, 'API key revoked');
    }
  }
}
