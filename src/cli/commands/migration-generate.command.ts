import { join } from 'node:path';
import type { Command } from 'commander';
import { generatePendingMigration } from '../../database/migrations';
import type { CliCommand } from '../cli-command';
import { REPOSITORY_ROOT, type CliContext } from '../cli-context';

/** `migration:generate <name>`: a migration for what the entities have and the migrated database lacks. */
export class MigrationGenerateCommand implements CliCommand {
  constructor(private readonly cli: CliContext) {}

  register(parent: Command): void {
    parent
      .command('migration:generate <name>')
      .description(
        'Write a migration for the difference between the entities and the migrated database',
      )
      .action((name: string) => this.run(name));
  }

  async run(name: string): Promise<void> {
    const path = await generatePendingMigration(this.cli.config, {
      name,
      directory: join(REPOSITORY_ROOT, 'migrations'),
    });
    process.stdout.write(
      path ? `Wrote ${path}\n` : 'Entities and migrations agree: nothing to generate\n',
    );
  }
}
