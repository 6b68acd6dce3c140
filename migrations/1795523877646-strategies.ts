import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Strategies1795523877646 implements MigrationInterface {
  name = 'Strategies1795523877646';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "signals" ("strategy_id" uuid NOT NULL, "exchange" character varying(32) NOT NULL, "symbol" character varying(24) NOT NULL, "interval" character varying(4) NOT NULL, "open_time" TIMESTAMP WITH TIME ZONE NOT NULL, "action" character varying(4) NOT NULL, "score" double precision NOT NULL, "confidence" double precision NOT NULL, "reasons" jsonb NOT NULL, "prediction" jsonb, "model_version_id" uuid, "close" double precision NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_8706e88ffffb3dc61a2b74ea2ee" PRIMARY KEY ("strategy_id", "exchange", "symbol", "interval", "open_time"))`);
    await queryRunner.query(`CREATE INDEX "IDX_signals_market_time" ON "signals" ("exchange", "symbol", "interval", "open_time") `);
    await queryRunner.query(`CREATE TABLE "strategies" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(80) NOT NULL, "version" integer NOT NULL, "definition" jsonb NOT NULL, "active" boolean NOT NULL DEFAULT true, "description" character varying(500), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_9a0d363ddf5b40d080147363238" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_strategies_name_version" ON "strategies" ("name", "version") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."UQ_strategies_name_version"`);
    await queryRunner.query(`DROP TABLE "strategies"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_signals_market_time"`);
    await queryRunner.query(`DROP TABLE "signals"`);
  }
}
