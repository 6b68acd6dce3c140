import type { Command } from 'commander';
import { ApiKeysService } from '../../auth/api-keys.service';
import type { CliCommand } from '../cli-command';
import type { CliContext } from '../cli-context';

/** `api-key revoke <id>`: ApiKeysService.revoke, as `DELETE /admin/api-keys/{id}`. */
export class ApiKeyRevokeCommand implements CliCommand {
  constructor(private readonly cli: CliContext) {}

  register(parent: Command): void {
    parent
      .command('revoke <id>')
      .description('Revoke a key; every replica stops accepting it within a second')
      .action((id: string) => this.run(id));
  }

  async run(id: string): Promise<void> {
    const key = await this.cli.withApp((app) => app.get(ApiKeysService).revoke(id));
    process.stdout.write(
      `Revoked key "${key.name}" (${key.prefix}…) at ${key.revokedAt?.toISOString()}\n`,
    );
  }
}
