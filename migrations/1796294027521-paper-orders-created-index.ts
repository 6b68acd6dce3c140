import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PaperOrdersCreatedIndex1796294027521 implements MigrationInterface {
  name = 'PaperOrdersCreatedIndex1796294027521';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "IDX_paper_orders_created" ON "paper_orders" ("created_at") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."IDX_paper_orders_created"`);
  }
}
