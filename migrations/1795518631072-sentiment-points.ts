import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SentimentPoints1795518631072 implements MigrationInterface {
  name = 'SentimentPoints1795518631072';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "sentiment_points" ("source" character varying(16) NOT NULL, "symbol" character varying(24) NOT NULL, "time" TIMESTAMP WITH TIME ZONE NOT NULL, "sentiment" double precision, "galaxy_score" double precision, "alt_rank" double precision, "interactions" double precision, "social_dominance" double precision, "contributors_active" double precision, "posts_active" double precision, "spam" double precision, "classification" character varying(32), "raw" jsonb, "fetched_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_6d9425e80510872fb6ed3e2036c" PRIMARY KEY ("source", "symbol", "time"))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "sentiment_points"`);
  }
}
