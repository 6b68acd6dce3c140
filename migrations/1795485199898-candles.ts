import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Candles1795485199898 implements MigrationInterface {
  name = 'Candles1795485199898';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "candles" ("exchange" character varying(32) NOT NULL, "symbol" character varying(24) NOT NULL, "interval" character varying(4) NOT NULL, "open_time" TIMESTAMP WITH TIME ZONE NOT NULL, "open" double precision NOT NULL, "high" double precision NOT NULL, "low" double precision NOT NULL, "close" double precision NOT NULL, "volume" double precision NOT NULL, "quote_volume" double precision, "trade_count" integer, "taker_buy_base_volume" double precision, "taker_buy_quote_volume" double precision, CONSTRAINT "PK_dbfb5132f183c61873e477c88e8" PRIMARY KEY ("exchange", "symbol", "interval", "open_time"))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "candles"`);
  }
}
