import type { Command } from 'commander';
import { applyMigrations } from '../../database/migrations';
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
    const applied = await applyMigrations(this.cli.config);
    process.stdout.write(
      applied.length ? `Applied: ${applied.join(', ')}\n` : 'No pending migrations\n',
    );
  }
}
