import type { Command } from 'commander';
import { FearGreedImportService } from '../../sentiment/import/fear-greed-import.service';
import type { CliCommand } from '../cli-command';
import type { CliContext } from '../cli-context';

/** `import-fear-greed <path>`: FearGreedImportService.import; exit code 2 when rows were rejected. */
export class ImportFearGreedCommand implements CliCommand {
  constructor(private readonly cli: CliContext) {}

  register(parent: Command): void {
    parent
      .command('import-fear-greed <path>')
      .description('Import Crypto Fear & Greed history from a date,value,classification CSV')
      .action((path: string) => this.run(path));
  }

  async run(path: string): Promise<void> {
    const summary = await this.cli.withApp((app) => app.get(FearGreedImportService).import(path));
    process.stdout.write(
      `Fear & Greed: ${summary.rowsRead} rows read; inserted ${summary.inserted}, updated ${summary.updated}, ` +
        `already present ${summary.alreadyPresent}, rejected ${summary.rejected.length}\n` +
        summary.rejected.map((row) => `  line ${row.line}: ${row.reason}\n`).join(''),
    );
    if (summary.rejected.length) {
      process.exitCode = 2;
    }
  }
}
