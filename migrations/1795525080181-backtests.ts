import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Backtests1795525080181 implements MigrationInterface {
  name = 'Backtests1795525080181';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "backtests" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "strategy_id" uuid NOT NULL, "exchange" character varying(32) NOT NULL, "symbol" character varying(24) NOT NULL, "interval" character varying(4) NOT NULL, "from_time" TIMESTAMP WITH TIME ZONE NOT NULL, "to_time" TIMESTAMP WITH TIME ZONE NOT NULL, "params" jsonb NOT NULL, "status" character varying(12) NOT NULL, "job_id" character varying(200), "result" jsonb, "trades" jsonb, "equity" jsonb, "error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_3dda2caf2606d9ad764e80de216" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_backtests_created" ON "backtests" ("created_at") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."IDX_backtests_created"`);
    await queryRunner.query(`DROP TABLE "backtests"`);
  }
}
