import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** The `migrations` table TypeORM keeps, against the migrations this build carries. */
@Injectable()
export class MigrationsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Names of this build's migrations that the database has not applied. */
  async pending(): Promise<string[]> {
    const rows: { name: string }[] = await this.dataSource.query('SELECT name FROM migrations');
    const applied = new Set(rows.map((row) => row.name));
    return this.dataSource.migrations
      .map((migration) => migration.name ?? migration.constructor.name)
      .filter((name) => !applied.has(name));
  }
}
