import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Webhooks1796167483810 implements MigrationInterface {
  name = 'Webhooks1796167483810';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "webhook_subscriptions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "owner_key_id" uuid NOT NULL, "url" character varying(2048) NOT NULL, "events" text array NOT NULL, "symbols" text array, "strategies" uuid array, "description" character varying(500), "secret_encrypted" text NOT NULL, "previous_secret_encrypted" text, "previous_secret_expires_at" TIMESTAMP WITH TIME ZONE, "enabled" boolean NOT NULL DEFAULT true, "disabled_reason" character varying(1000), "disabled_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_bf631ae77d39849d599817fb6f4" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_webhook_subscriptions_owner" ON "webhook_subscriptions" ("owner_key_id") `);
    await queryRunner.query(`CREATE TABLE "webhook_messages" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "subscription_id" uuid NOT NULL, "message_id" character varying(64) NOT NULL, "event_type" character varying(64) NOT NULL, "body" text NOT NULL, "status" character varying(16) NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_526e8e1655924920adc4cd30dcd" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_webhook_messages_status_next" ON "webhook_messages" ("status", "next_attempt_at") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_webhook_messages_subscription_message" ON "webhook_messages" ("subscription_id", "message_id") `);
    await queryRunner.query(`CREATE TABLE "webhook_deliveries" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "webhook_message_id" uuid NOT NULL, "subscription_id" uuid NOT NULL, "attempt" integer NOT NULL, "succeeded" boolean NOT NULL, "status_code" integer, "duration_ms" integer NOT NULL, "error" character varying(1000), "response_excerpt" character varying(500), "next_attempt_at" TIMESTAMP WITH TIME ZONE, "attempted_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_535dd409947fb6d8fc6dfc0112a" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_webhook_deliveries_subscription_time" ON "webhook_deliveries" ("subscription_id", "attempted_at") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_webhook_deliveries_message_attempt" ON "webhook_deliveries" ("webhook_message_id", "attempt") `);
    await queryRunner.query(`ALTER TABLE "webhook_subscriptions" ADD CONSTRAINT "FK_4ae396161816bb742b0476621e0" FOREIGN KEY ("owner_key_id") REFERENCES "api_keys"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "webhook_messages" ADD CONSTRAINT "FK_f84bd7898b6a487655fcdf1dedd" FOREIGN KEY ("subscription_id") REFERENCES "webhook_subscriptions"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "FK_e7506a689628ba1a149217747c8" FOREIGN KEY ("webhook_message_id") REFERENCES "webhook_messages"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "FK_e7506a689628ba1a149217747c8"`);
    await queryRunner.query(`ALTER TABLE "webhook_messages" DROP CONSTRAINT "FK_f84bd7898b6a487655fcdf1dedd"`);
    await queryRunner.query(`ALTER TABLE "webhook_subscriptions" DROP CONSTRAINT "FK_4ae396161816bb742b0476621e0"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_webhook_deliveries_message_attempt"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_webhook_deliveries_subscription_time"`);
    await queryRunner.query(`DROP TABLE "webhook_deliveries"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_webhook_messages_subscription_message"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_webhook_messages_status_next"`);
    await queryRunner.query(`DROP TABLE "webhook_messages"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_webhook_subscriptions_owner"`);
    await queryRunner.query(`DROP TABLE "webhook_subscriptions"`);
  }
}
