import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SignalLateMs1796292895630 implements MigrationInterface {
  name = 'SignalLateMs1796292895630';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "signals" ADD "late_ms" bigint`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "signals" DROP COLUMN "late_ms"`);
  }
}
