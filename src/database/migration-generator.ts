import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { pendingSchemaChanges } from './data-source';

function quote(sql: string): string {
  return '`' + sql.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${') + '`';
}

/**
 * Writes a migration with the SQL that brings the database in line with the entities, as
 * `typeorm migration:generate` does; returns its path, or undefined when nothing changed.
 */
export async function generateMigration(params: {
  dataSource: DataSource;
  name: string;
  directory: string;
  timestamp?: number;
}): Promise<string | undefined> {
  const { up, down } = await pendingSchemaChanges(params.dataSource);
  if (!up.length) {
    return undefined;
  }
  const timestamp = params.timestamp ?? Date.now();
  const className = `${params.name.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_m, _s, c: string) => c.toUpperCase())}${timestamp}`;
  const body = `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  public async up(queryRunner: QueryRunner): Promise<void> {
${up.map((sql) => `    await queryRunner.query(${quote(sql)});`).join('\n')}
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
${[...down]
  .reverse()
  .map((sql) => `    await queryRunner.query(${quote(sql)});`)
  .join('\n')}
  }
}
`;
  await mkdir(params.directory, { recursive: true });
  const kebab = params.name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .toLowerCase();
  const path = join(params.directory, `${timestamp}-${kebab}.ts`);
  await writeFile(path, body);
  return path;
}
