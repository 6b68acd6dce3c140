import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import type { StrategyDefinition } from './engine/strategy-definition';
import { StrategyEntity } from './strategy.entity';

/** Strategy versions in PostgreSQL. */
@Injectable()
export class StrategiesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(StrategyEntity);
  }

  /** Creates version 1 of `name` unless some version exists; returns whether it did. */
  async ensure(
    name: string,
    definition: StrategyDefinition,
    description: string,
  ): Promise<boolean> {
    const result: unknown[] = await this.dataSource.query(
      `INSERT INTO strategies (name, version, definition, active, description)
       SELECT $1::varchar, 1, $2::jsonb, true, $3::varchar
        WHERE NOT EXISTS (SELECT 1 FROM strategies WHERE name = $1::varchar)
       ON CONFLICT (name, version) DO NOTHING RETURNING 1`,
      [name, JSON.stringify(definition), description],
    );
    return result.length > 0;
  }

  async create(params: {
    name: string;
    definition: StrategyDefinition;
    description: string | null;
  }): Promise<StrategyEntity | null> {
    if (await this.repo.exist({ where: { name: params.name } })) {
      return null;
    }
    return this.repo.save(
      this.repo.create({
        ...params,
        definition: params.definition,
        version: 1,
        active: true,
      }),
    );
  }

  /** A new version of the strategy `id` belongs to; it becomes the active one of its name. */
  async newVersion(
    id: string,
    definition: StrategyDefinition,
    description?: string | null,
  ): Promise<StrategyEntity | null> {
    return this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(StrategyEntity);
      const current = await repo.findOne({ where: { id } });
      if (!current) {
        return null;
      }
      const latest = await repo
        .createQueryBuilder('s')
        .where('s.name = :name', { name: current.name })
        .setLock('pessimistic_write')
        .orderBy('s.version', 'DESC')
        .getOne();
      await repo.update({ name: current.name }, { active: false });
      return repo.save(
        repo.create({
          name: current.name,
          version: (latest?.version ?? current.version) + 1,
          definition,
          active: true,
          description: description === undefined ? current.description : description,
        }),
      );
    });
  }

  /** Which of these ids exist (any version, active or not). */
  async existing(ids: string[]): Promise<string[]> {
    const rows = await this.repo.find({ where: { id: In(ids) }, select: { id: true } });
    return rows.map((row) => row.id);
  }

  /** Name, version and stored definition of the strategy versions with these ids that exist. */
  versions(
    ids: readonly string[],
  ): Promise<{ id: string; name: string; version: number; definition: unknown }[]> {
    return this.dataSource.query(
      `SELECT id, name, version, definition FROM strategies WHERE id = ANY($1)`,
      [ids],
    );
  }

  find(id: string): Promise<StrategyEntity | null> {
    return this.repo.findOne({ where: { id } });
  }

  /** The active version of `name`. */
  findActiveByName(name: string): Promise<StrategyEntity | null> {
    return this.repo.findOne({ where: { name, active: true } });
  }

  list(): Promise<StrategyEntity[]> {
    return this.repo.find({ order: { name: 'ASC', version: 'DESC' } });
  }

  active(): Promise<StrategyEntity[]> {
    return this.repo.find({ where: { active: true }, order: { name: 'ASC' } });
  }
}
