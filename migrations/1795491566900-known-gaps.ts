import type { MigrationInterface, QueryRunner } from 'typeorm';

export class KnownGaps1795491566900 implements MigrationInterface {
  name = 'KnownGaps1795491566900';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "known_gaps" ("exchange" character varying(32) NOT NULL, "symbol" character varying(24) NOT NULL, "interval" character varying(4) NOT NULL, "from_time" TIMESTAMP WITH TIME ZONE NOT NULL, "to_time" TIMESTAMP WITH TIME ZONE NOT NULL, "checks" integer NOT NULL DEFAULT '1', "confirmed" boolean NOT NULL DEFAULT false, "first_checked_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_checked_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "next_check_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_db44da968e43e3a550aaa47d000" PRIMARY KEY ("exchange", "symbol", "interval", "from_time"))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "known_gaps"`);
  }
}
