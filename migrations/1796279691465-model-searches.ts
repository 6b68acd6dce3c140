import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ModelSearches1796279691465 implements MigrationInterface {
  name = 'ModelSearches1796279691465';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "model_searches" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "exchange" character varying(32) NOT NULL, "symbol" character varying(24) NOT NULL, "interval" character varying(4) NOT NULL, "status" character varying(12) NOT NULL, "request" jsonb NOT NULL, "data_from" TIMESTAMP WITH TIME ZONE NOT NULL, "test_from" TIMESTAMP WITH TIME ZONE NOT NULL, "data_to" TIMESTAMP WITH TIME ZONE NOT NULL, "trials_total" integer NOT NULL, "trials_done" integer NOT NULL DEFAULT '0', "best" jsonb, "error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_e9e0399a923e3ed4db7f6f9077b" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_model_searches_market" ON "model_searches" ("exchange", "symbol", "interval", "created_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "model_search_trials" ("search_id" uuid NOT NULL, "index" integer NOT NULL, "kind" character varying(16) NOT NULL, "params" jsonb NOT NULL, "status" character varying(12) NOT NULL, "score" double precision, "metrics" jsonb, "seconds" double precision, "error" text, "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_9769dc64baf88ef0795c52436b9" PRIMARY KEY ("search_id", "index"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "model_search_trials" ADD CONSTRAINT "FK_47362bec877ae0267a98380086f" FOREIGN KEY ("search_id") REFERENCES "model_searches"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "model_search_trials" DROP CONSTRAINT "FK_47362bec877ae0267a98380086f"`,
    );
    await queryRunner.query(`DROP TABLE "model_search_trials"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_model_searches_market"`);
    await queryRunner.query(`DROP TABLE "model_searches"`);
  }
}
