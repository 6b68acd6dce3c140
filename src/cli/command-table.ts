import type { CliCommand, CliCommandGroup } from './cli-command';
import type { CliContext } from './cli-context';
import { ApiKeyCreateCommand } from './commands/api-key-create.command';
import { ApiKeyListCommand } from './commands/api-key-list.command';
import { ApiKeyRevokeCommand } from './commands/api-key-revoke.command';
import { BacktestCommand } from './commands/backtest.command';
import { BackfillCommand } from './commands/backfill.command';
import { EvaluateCommand } from './commands/evaluate.command';
import { ImportFearGreedCommand } from './commands/import-fear-greed.command';
import { ImportKlinesCommand } from './commands/import-klines.command';
import { MigrationGenerateCommand } from './commands/migration-generate.command';
import { MigrationRevertCommand } from './commands/migration-revert.command';
import { MigrationRunCommand } from './commands/migration-run.command';
import { OpenApiCommand } from './commands/openapi.command';
import { PaperListCommand } from './commands/paper-list.command';
import { PaperShowCommand } from './commands/paper-show.command';
import { SearchCommand } from './commands/search.command';
import { SimulateExchangeCommand } from './commands/simulate-exchange.command';
import { TrainCommand } from './commands/train.command';

/** Every command of the CLI, in the order `--help` lists them. */
export function commandTable(cli: CliContext): (CliCommand | CliCommandGroup)[] {
  return [
    {
      name: 'api-key',
      description: 'Manage API keys',
      commands: [
        new ApiKeyCreateCommand(cli),
        new ApiKeyListCommand(cli),
        new ApiKeyRevokeCommand(cli),
      ],
    },
    new ImportKlinesCommand(cli),
    new ImportFearGreedCommand(cli),
    new BackfillCommand(cli),
    new TrainCommand(cli),
    new EvaluateCommand(cli),
    new BacktestCommand(cli),
    {
      name: 'paper',
      description: 'Paper accounts: forward tests of strategies',
      commands: [new PaperListCommand(cli), new PaperShowCommand(cli)],
    },
    new SearchCommand(cli),
    new SimulateExchangeCommand(),
    new MigrationRunCommand(cli),
    new MigrationRevertCommand(cli),
    new MigrationGenerateCommand(cli),
    new OpenApiCommand(cli),
  ];
}
