import type { Command } from 'commander';
import { ApiKeysService } from '../../auth/api-keys.service';
import type { CliCommand } from '../cli-command';
import type { CliContext } from '../cli-context';

/** `api-key list`: ApiKeysService.list as a table (never the secrets). */
export class ApiKeyListCommand implements CliCommand {
  constructor(private readonly cli: CliContext) {}

  register(parent: Command): void {
    parent
      .command('list')
      .description('List keys (never their secrets)')
      .action(() => this.run());
  }

  async run(): Promise<void> {
    const keys = await this.cli.withApp((app) => app.get(ApiKeysService).list());
    const rows = keys.map((key) => ({
      id: key.id,
      name: key.name,
      role: key.role,
      prefix: `${key.prefix}…`,
      created: key.createdAt.toISOString(),
      lastUsed: key.lastUsedAt?.toISOString() ?? '-',
      revoked: key.revokedAt?.toISOString() ?? '-',
    }));
    if (rows.length) {
      console.table(rows);
    } else {
      process.stdout.write(
        'No API keys yet. Create one with: npm run cli -- api-key create --name NAME --role admin\n',
      );
    }
  }
}
