import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull, QueryFailedError } from 'typeorm';
import { ApiKeyEntity, type ApiKeyRole } from './api-key.entity';

/** API keys in PostgreSQL: only the SHA-256 of each secret. */
@Injectable()
export class ApiKeysRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(ApiKeyEntity);
  }

  findActiveByName(name: string): Promise<ApiKeyEntity | null> {
    return this.repo
      .createQueryBuilder('key')
      .where('key.name = :name AND key.revoked_at IS NULL', { name })
      .getOne();
  }

  /**
   * Saves a new key; null when an active key of that name was created meanwhile (the unique
   * index on active names).
   */
  async create(
    fields: Pick<ApiKeyEntity, 'name' | 'role' | 'keyHash' | 'prefix'>,
  ): Promise<ApiKeyEntity | null> {
    try {
      return await this.repo.save(
        this.repo.create({ ...fields, lastUsedAt: null, revokedAt: null }),
      );
    } catch (error) {
      if (
        error instanceof QueryFailedError &&
        (error.driverError as { constraint?: string }).constraint === 'api_keys_active_name_key'
      ) {
        return null;
      }
      throw error;
    }
  }

  hasActiveAdmin(): Promise<boolean> {
    return this.repo.exists({ where: { role: 'admin', revokedAt: IsNull() } });
  }

  /** Keys oldest first, of one role when given, the revoked ones too unless `activeOnly`. */
  list(filter: { role?: ApiKeyRole; activeOnly: boolean }): Promise<ApiKeyEntity[]> {
    return this.repo.find({
      where: {
        ...(filter.role ? { role: filter.role } : {}),
        ...(filter.activeOnly ? { revokedAt: IsNull() } : {}),
      },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  find(id: string): Promise<ApiKeyEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findByHash(keyHash: string): Promise<ApiKeyEntity | null> {
    return this.repo.findOneBy({ keyHash });
  }

  /** Marks the key revoked now unless it already is. */
  async revoke(id: string): Promise<void> {
    await this.repo
      .createQueryBuilder()
      .update(ApiKeyEntity)
      .set({ revokedAt: () => 'now()' })
      .where('id = :id AND revoked_at IS NULL', { id })
      .execute();
  }

  /** Inserts the key unless one with its hash (or an active one of its name) exists. */
  async insertIfAbsent(
    fields: Pick<ApiKeyEntity, 'name' | 'role' | 'keyHash' | 'prefix'>,
  ): Promise<void> {
    await this.repo
      .createQueryBuilder()
      .insert()
      .into(ApiKeyEntity)
      .values(fields)
      .orIgnore()
      .execute();
  }

  async setRole(id: string, role: ApiKeyRole): Promise<void> {
    await this.repo.update({ id }, { role });
  }

  /** Moves each key's last-used time forward to the time given for it (never back). */
  async recordLastUsed(ids: string[], usedAt: string[]): Promise<void> {
    await this.dataSource.query(
      `UPDATE api_keys AS k SET last_used_at = GREATEST(COALESCE(k.last_used_at, u.used_at), u.used_at)
         FROM unnest($1::uuid[], $2::timestamptz[]) AS u(id, used_at)
        WHERE k.id = u.id`,
      [ids, usedAt],
    );
  }
}
