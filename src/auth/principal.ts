import type { ApiKeyRole } from './api-key.entity';

/** Who is calling: the API key a request authenticated with. */
export interface Principal {
  apiKeyId: string;
  name: string;
  role: ApiKeyRole;
  prefix: string;
}

/** Why a request carries no principal. */
export type AuthFailure = 'missing' | 'unknown' | 'revoked';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    authFailure?: AuthFailure;
  }
}
