import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const API_KEY_ROLES = ['admin', 'client'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/** An API key as stored: only the SHA-256 of the secret, and a short prefix to recognise it by. */
@Entity({ name: 'api_keys' })
// One active key per name, even when two creations race (a revoked key's name can be reused).
@Index('api_keys_active_name_key', ['name'], { unique: true, where: '"revoked_at" IS NULL' })
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'enum', enum: API_KEY_ROLES, enumName: 'api_key_role' })
  role!: ApiKeyRole;

  @Index('api_keys_key_hash_key', { unique: true })
  @Column({ name: 'key_hash', type: 'char', length: 64 })
  keyHash!: string;

  @Column({ type: 'varchar', length: 16 })
  prefix!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
