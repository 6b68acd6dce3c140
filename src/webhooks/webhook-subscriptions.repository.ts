import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { lockUntilCommit } from '../database/data-source';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity';

/** What a new subscription is made of (ids and timestamps are the database's). */
export type NewSubscription = Omit<
  WebhookSubscriptionEntity,
  'id' | 'owner' | 'createdAt' | 'updatedAt'
>;

/** The fields an owner can change on a subscription. */
export type SubscriptionChanges = Partial<
  Pick<WebhookSubscriptionEntity, 'url' | 'events' | 'symbols' | 'strategies' | 'description'>
>;

/** The `webhook_subscriptions` table: endpoints, their filters, secrets and whether they are on. */
@Injectable()
export class WebhookSubscriptionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get subscriptions() {
    return this.dataSource.getRepository(WebhookSubscriptionEntity);
  }

  /**
   * Saves a new subscription unless its owner already has `limit` (null then), counted and
   * inserted under a per-owner lock so that concurrent creations cannot pass the limit together.
   */
  async createWithin(
    fields: NewSubscription,
    limit: number,
  ): Promise<{ saved: WebhookSubscriptionEntity } | { owned: number }> {
    const subscription = this.subscriptions.create(fields);
    return this.dataSource.transaction(async (manager) => {
      await lockUntilCommit(manager, `webhook_subscriptions:${subscription.ownerKeyId}`);
      const repository = manager.getRepository(WebhookSubscriptionEntity);
      const owned = await repository.count({ where: { ownerKeyId: subscription.ownerKeyId } });
      return owned >= limit ? { owned } : { saved: await repository.save(subscription) };
    });
  }

  /** Subscriptions oldest first: one owner's, or everyone's when no owner is given. */
  list(ownerKeyId?: string): Promise<WebhookSubscriptionEntity[]> {
    return this.subscriptions.find({
      where: ownerKeyId === undefined ? {} : { ownerKeyId },
      order: { createdAt: 'ASC' },
    });
  }

  find(id: string): Promise<WebhookSubscriptionEntity | null> {
    return this.subscriptions.findOne({ where: { id } });
  }

  /** A subscription known to exist (read back after a write). */
  findOrFail(id: string): Promise<WebhookSubscriptionEntity> {
    return this.subscriptions.findOneByOrFail({ id });
  }

  /** Writes only the fields given, so a worker's disabling in between is not undone. */
  async update(id: string, changes: SubscriptionChanges): Promise<void> {
    await this.subscriptions.update({ id }, changes);
  }

  async delete(id: string): Promise<void> {
    await this.subscriptions.delete({ id });
  }

  /**
   * Replaces the secrets if the current one is still `currentSecret` (compare-and-set); false
   * when another rotation got there first.
   */
  async replaceSecrets(
    id: string,
    currentSecret: string,
    secrets: Pick<
      WebhookSubscriptionEntity,
      'secretEncrypted' | 'previousSecretEncrypted' | 'previousSecretExpiresAt'
    >,
  ): Promise<boolean> {
    const result = await this.subscriptions.update({ id, secretEncrypted: currentSecret }, secrets);
    return result.affected === 1;
  }

  /** Turns deliveries back on and forgets why they were off. */
  enable(subscription: WebhookSubscriptionEntity): Promise<WebhookSubscriptionEntity> {
    subscription.enabled = true;
    subscription.disabledReason = null;
    subscription.disabledAt = null;
    return this.subscriptions.save(subscription);
  }

  /** Turns deliveries off for a subscription and says why; false when it already was off. */
  async disable(id: string, reason: string): Promise<boolean> {
    const result = await this.subscriptions
      .createQueryBuilder()
      .update()
      .set({ enabled: false, disabledReason: reason.slice(0, 1000), disabledAt: () => 'now()' })
      .where('id = :id AND enabled', { id })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** The event types some enabled subscription of a live key asks for. */
  async subscribedTypes(): Promise<Set<string>> {
    const rows: { type: string }[] = await this.dataSource.query(
      `SELECT DISTINCT unnest(s.events) AS type FROM webhook_subscriptions s
         JOIN api_keys k ON k.id = s.owner_key_id AND k.revoked_at IS NULL
        WHERE s.enabled`,
    );
    return new Set(rows.map((row) => row.type));
  }
}
