import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PaperTrading1796288226975 implements MigrationInterface {
  name = 'PaperTrading1796288226975';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "paper_accounts" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(80) NOT NULL, "strategy_id" uuid NOT NULL, "exchange" character varying(32) NOT NULL, "interval" character varying(4) NOT NULL, "markets" jsonb NOT NULL, "starting_cash" double precision NOT NULL, "fee_rate" double precision NOT NULL, "slippage" double precision NOT NULL, "sizing" jsonb NOT NULL, "status" character varying(8) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "closed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_660b7540c8d0b342144c5653d6d" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_paper_accounts_name" ON "paper_accounts" ("name") `);
    await queryRunner.query(`CREATE TABLE "paper_positions" ("account_id" uuid NOT NULL, "symbol" character varying(24) NOT NULL, "start_time" TIMESTAMP WITH TIME ZONE NOT NULL, "last_open_time" TIMESTAMP WITH TIME ZONE NOT NULL, "last_close" double precision, "cash" double precision NOT NULL, "position" jsonb, "cooldown" integer NOT NULL, "fees_paid" double precision NOT NULL, "candles" integer NOT NULL, "in_market" integer NOT NULL, "late_candles" integer NOT NULL DEFAULT '0', CONSTRAINT "PK_8272f1e3f1e4a925697b20a6972" PRIMARY KEY ("account_id", "symbol"))`);
    await queryRunner.query(`CREATE TABLE "paper_orders" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "account_id" uuid NOT NULL, "symbol" character varying(24) NOT NULL, "side" character varying(4) NOT NULL, "reason" character varying(12) NOT NULL, "decision_time" TIMESTAMP WITH TIME ZONE, "fill_time" TIMESTAMP WITH TIME ZONE NOT NULL, "status" character varying(8) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_34a4dea4cb983e60268bd068194" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_paper_orders_fill" ON "paper_orders" ("account_id", "symbol", "fill_time", "side") `);
    await queryRunner.query(`CREATE TABLE "paper_fills" ("order_id" uuid NOT NULL, "account_id" uuid NOT NULL, "symbol" character varying(24) NOT NULL, "time" TIMESTAMP WITH TIME ZONE NOT NULL, "price" double precision NOT NULL, "quantity" double precision NOT NULL, "fee" double precision NOT NULL, CONSTRAINT "PK_b6e2b6aad79c201edab934a995d" PRIMARY KEY ("order_id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_paper_fills_account" ON "paper_fills" ("account_id") `);
    await queryRunner.query(`CREATE TABLE "paper_trades" ("account_id" uuid NOT NULL, "symbol" character varying(24) NOT NULL, "exit_time" TIMESTAMP WITH TIME ZONE NOT NULL, "entry_time" TIMESTAMP WITH TIME ZONE NOT NULL, "entry_price" double precision NOT NULL, "exit_price" double precision NOT NULL, "quantity" double precision NOT NULL, "fees" double precision NOT NULL, "profit" double precision NOT NULL, "return_pct" double precision NOT NULL, "exit_reason" character varying(12) NOT NULL, CONSTRAINT "PK_f8bdd3f44d5b296cb757343196d" PRIMARY KEY ("account_id", "symbol", "exit_time"))`);
    await queryRunner.query(`CREATE TABLE "paper_equity" ("account_id" uuid NOT NULL, "symbol" character varying(24) NOT NULL, "open_time" TIMESTAMP WITH TIME ZONE NOT NULL, "cash" double precision NOT NULL, "position_value" double precision NOT NULL, "equity" double precision NOT NULL, "late" boolean NOT NULL, "written_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_5aa7358ef9385c458540d38601e" PRIMARY KEY ("account_id", "symbol", "open_time"))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "paper_equity"`);
    await queryRunner.query(`DROP TABLE "paper_trades"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_paper_fills_account"`);
    await queryRunner.query(`DROP TABLE "paper_fills"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_paper_orders_fill"`);
    await queryRunner.query(`DROP TABLE "paper_orders"`);
    await queryRunner.query(`DROP TABLE "paper_positions"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_paper_accounts_name"`);
    await queryRunner.query(`DROP TABLE "paper_accounts"`);
  }
}
