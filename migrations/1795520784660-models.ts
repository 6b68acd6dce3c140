import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Models1795520784660 implements MigrationInterface {
  name = 'Models1795520784660';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "model_versions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "exchange" character varying(32) NOT NULL, "symbol" character varying(24) NOT NULL, "interval" character varying(4) NOT NULL, "kind" character varying(16) NOT NULL DEFAULT 'lstm', "status" character varying(16) NOT NULL, "params" jsonb NOT NULL, "features" jsonb NOT NULL, "data_from" TIMESTAMP WITH TIME ZONE, "data_to" TIMESTAMP WITH TIME ZONE, "metrics" jsonb, "backend" character varying(16), "job_id" character varying(200), "error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "trained_at" TIMESTAMP WITH TIME ZONE, "promoted_at" TIMESTAMP WITH TIME ZONE, "retired_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_77c0256872dcc26394dba4b87ec" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_model_versions_one_production" ON "model_versions" ("exchange", "symbol", "interval") WHERE "status" = 'production'`);
    await queryRunner.query(`CREATE INDEX "IDX_model_versions_market_status" ON "model_versions" ("exchange", "symbol", "interval", "status") `);
    await queryRunner.query(`CREATE TABLE "model_artifacts" ("model_version_id" uuid NOT NULL, "manifest" jsonb NOT NULL, "weight_data" bytea NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_1b03a90ee4d1e471bdbb086ef57" PRIMARY KEY ("model_version_id"))`);
    await queryRunner.query(`CREATE TABLE "predictions" ("model_version_id" uuid NOT NULL, "open_time" TIMESTAMP WITH TIME ZONE NOT NULL, "exchange" character varying(32) NOT NULL, "symbol" character varying(24) NOT NULL, "interval" character varying(4) NOT NULL, "target_time" TIMESTAMP WITH TIME ZONE NOT NULL, "horizon" integer NOT NULL, "last_close" double precision NOT NULL, "predicted_close" double precision NOT NULL, "predicted_return" double precision NOT NULL, "probability_up" double precision NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "actual_close" double precision, "abs_error" double precision, "persistence_abs_error" double precision, CONSTRAINT "PK_050e46f1612e6816030b550be20" PRIMARY KEY ("model_version_id", "open_time"))`);
    await queryRunner.query(`CREATE INDEX "IDX_predictions_market_open" ON "predictions" ("exchange", "symbol", "interval", "open_time") `);
    await queryRunner.query(`CREATE INDEX "IDX_predictions_market_target" ON "predictions" ("exchange", "symbol", "interval", "target_time") `);
    await queryRunner.query(`ALTER TABLE "model_artifacts" ADD CONSTRAINT "FK_1b03a90ee4d1e471bdbb086ef57" FOREIGN KEY ("model_version_id") REFERENCES "model_versions"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "model_artifacts" DROP CONSTRAINT "FK_1b03a90ee4d1e471bdbb086ef57"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_predictions_market_target"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_predictions_market_open"`);
    await queryRunner.query(`DROP TABLE "predictions"`);
    await queryRunner.query(`DROP TABLE "model_artifacts"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_model_versions_market_status"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_model_versions_one_production"`);
    await queryRunner.query(`DROP TABLE "model_versions"`);
  }
}
