import type { AppConfig } from '../config/app-config';
import type { RedisService } from '../redis/redis.service';
import { hashApiKey } from './api-key-secret';
import type { ApiKeyEntity } from './api-key.entity';
import type { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';

/** A key row as PostgreSQL answers it, one answer per read, each released by the test. */
function scriptedRepository() {
  const reads: { resolve: (row: Partial<ApiKeyEntity> | null) => void }[] = [];
  const repository = {
    findByHash: () =>
      new Promise<Partial<ApiKeyEntity> | null>((resolve) => reads.push({ resolve })),
  };
  return { repository: repository as unknown as ApiKeysRepository, reads };
}

describe('ApiKeysService lookups', () => {
  it('does not cache an answer read before a revocation that arrived while it was read', async () => {
    const { repository, reads } = scriptedRepository();
    let announce: (keyHash: string) => void = () => undefined;
    const redis = {
      subscribe: async (_channel: string, handler: (message: string) => void) => {
        announce = handler;
      },
    } as unknown as RedisService;
    const config = { get: () => undefined } as unknown as AppConfig;
    const service = new ApiKeysService(repository, redis, config);
    await service.onModuleInit();
    await service.onApplicationShutdown();

    const key = 'cft_test_key_0123456789abcdef';
    const row = {
      id: 'k1',
      name: 'n',
      role: 'client' as const,
      prefix: 'cft_test',
      keyHash: hashApiKey(key),
    };
    const pending = service.resolve(key);
    await new Promise((resolve) => setImmediate(resolve));
    // The row was read before the revocation committed; the announcement lands meanwhile.
    announce(hashApiKey(key));
    reads[0]!.resolve({ ...row, revokedAt: null });
    await new Promise((resolve) => setImmediate(resolve));
    reads[1]!.resolve({ ...row, revokedAt: new Date() });
    expect(await pending).toEqual({ failure: 'revoked' });
    expect(service.resolveCached(key)).toBeUndefined();
  });
});
