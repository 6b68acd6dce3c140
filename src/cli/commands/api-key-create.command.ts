import type { Command } from 'commander';
import { API_KEY_ROLES, type ApiKeyRole } from '../../auth/api-key.entity';
import { ApiKeysService } from '../../auth/api-keys.service';
import type { CliCommand } from '../cli-command';
import type { CliContext } from '../cli-context';
import { parseRole } from '../options';

/** `api-key create`: ApiKeysService.create, as `POST /admin/api-keys`; the secret is printed once. */
export class ApiKeyCreateCommand implements CliCommand {
  constructor(private readonly cli: CliContext) {}

  register(parent: Command): void {
    parent
      .command('create')
      .description('Create a key; the secret is printed once')
      .requiredOption('--name <name>', 'what the key is for')
      .requiredOption('--role <role>', `one of ${API_KEY_ROLES.join(', ')}`, parseRole)
      .action((options: { name: string; role: ApiKeyRole }) => this.run(options));
  }

  async run(options: { name: string; role: ApiKeyRole }): Promise<void> {
    const created = await this.cli.withApp((app) => app.get(ApiKeysService).create(options));
    process.stdout.write(
      `Created ${created.apiKey.role} key "${created.apiKey.name}" (id ${created.apiKey.id}).\n` +
        `Key (shown once, store it now): ${created.key}\n`,
    );
  }
}
