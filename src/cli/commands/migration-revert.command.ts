import type { Command } from 'commander';
import { revertLastMigration } from '../../database/migrations';
import type { CliCommand } from '../cli-command';
import type { CliContext } from '../cli-context';

/** `migration:revert`: the last applied migration's `down()`. */
export class MigrationRevertCommand implements CliCommand {
  constructor(private readonly cli: CliContext) {}

  register(parent: Command): void {
    parent
      .command('migration:revert')
      .description('Revert the last applied migration')
      .action(() => this.run());
  }

  async run(): Promise<void> {
    await revertLastMigration(this.cli.config);
    process.stdout.write('Reverted the last migration\n');
  }
}
