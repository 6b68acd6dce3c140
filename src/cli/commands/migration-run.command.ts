import type { Command } from 'commander';
import { runMigrationsLocked } from '../../database/data-source';
import type { CliCommand } from '../cli-command';
import type { CliContext } from '../cli-context';

/** `migration:run`: the pending migrations, under the lock the services take at start. */
export class MigrationRunCommand implements CliCommand {
  constructor(private readonly cli: CliContext) {}

  register(parent: Command): void {
    parent
      .command('migration:run')
      .description('Apply pending migrations')
      .action(() => this.run());
  }

  async run(): Promise<void> {
    const applied = await this.cli.withDataSource(runMigrationsLocked);
    process.stdout.write(
      applied.length ? `Applied: ${applied.join(', ')}\n` : 'No pending migrations\n',
    );
  }
}
