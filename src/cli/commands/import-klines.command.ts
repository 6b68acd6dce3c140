import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { KlinesImportService } from '../../market-data/import/klines-import.service';
import type { CliCommand } from '../cli-command';
import type { CliContext } from '../cli-context';

interface ImportKlinesOptions {
  symbol: string;
  interval: string;
}

/** `import-klines <paths...>`: KlinesImportService.import, with a progress bar on a terminal. */
export class ImportKlinesCommand implements CliCommand {
  constructor(private readonly cli: CliContext) {}

  register(parent: Command): void {
    parent
      .command('import-klines <paths...>')
      .description(
        'Import kline files: Binance dumps (data.binance.vision, .csv or .zip) or CSVs with an open_time_ms header',
      )
      .requiredOption('--symbol <symbol>', 'base asset (BTC), or the pair (BTCUSDT, BTC-USDT)')
      .requiredOption('--interval <interval>', 'candle interval of the files (1m, 1h, ...)')
      .action((paths: string[], options: ImportKlinesOptions) => this.run(paths, options));
  }

  async run(paths: string[], options: ImportKlinesOptions): Promise<void> {
    const bar = process.stderr.isTTY
      ? new SingleBar(
          { format: 'files {value}/{total} |{bar}| {rows} rows read', hideCursor: true },
          Presets.shades_classic,
        )
      : undefined;
    bar?.start(paths.length, 0, { rows: 0 });
    const summary = await this.cli
      .withApp((app) =>
        app.get(KlinesImportService).import({
          symbol: options.symbol,
          interval: options.interval,
          paths,
          onProgress: ({ filesDone, rowsRead }) => bar?.update(filesDone, { rows: rowsRead }),
        }),
      )
      .finally(() => bar?.stop());
    const { market } = summary;
    process.stdout.write(
      `${market.exchange} ${market.symbol} ${market.interval}: ${summary.rowsRead} rows read from ${summary.files} file(s)\n` +
        `  inserted ${summary.inserted}, updated ${summary.updated}, already present ${summary.alreadyPresent}, rejected ${summary.rejected}\n` +
        Object.entries(summary.rejectedByReason)
          .map(
            ([reason, { count, examples }]) =>
              `  rejected ${count}: ${reason} (e.g. ${examples.join(', ')})\n`,
          )
          .join(''),
    );
  }
}
