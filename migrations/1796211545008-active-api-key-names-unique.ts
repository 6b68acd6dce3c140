import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ActiveApiKeyNamesUnique1796211545008 implements MigrationInterface {
  name = 'ActiveApiKeyNamesUnique1796211545008';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE UNIQUE INDEX "api_keys_active_name_key" ON "api_keys" ("name") WHERE "revoked_at" IS NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."api_keys_active_name_key"`);
  }
}
