import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PredictionHorizons1796286118271 implements MigrationInterface {
  name = 'PredictionHorizons1796286118271';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "predictions" ADD "horizons" jsonb`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "predictions" DROP COLUMN "horizons"`);
  }
}
