import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { WALK_FORWARD_DEFAULTS } from '../../models/engine/walk-forward-predictions';
import {
  backtestInProcess,
  InProcessBacktestError,
  type InProcessBacktestProblem,
} from '../../strategy/in-process-backtest';
import type { CliCommand } from '../cli-command';
import type { CliContext } from '../cli-context';
import { metricsRow } from '../metrics-table';
import { parseJsonObject, parseTimeOption } from '../options';
import {
  parseDefinitionFile,
  parsePredictionsFile,
  parseSizingOptions,
  type BacktestOptions,
} from './backtest.options';

/**
 * `backtest`: backtestInProcess, a backtest job's replay in this process, on a stored market (with
 * the sentiment its jobs read) or a candle CSV, with a stored strategy or a definition file.
 */
export class BacktestCommand implements CliCommand {
  constructor(private readonly cli: CliContext) {}

  register(parent: Command): void {
    parent
      .command('backtest')
      .description(
        'Replay a strategy over stored candles (or a CSV) with fees and print its metrics next to buy-and-hold',
      )
      .option('--strategy <name>', 'strategy name or id', 'default')
      .option(
        '--definition <path>',
        'a strategy definition in a JSON file, instead of a stored strategy (--strategy)',
      )
      .option('--symbol <symbol>', 'base asset of a stored market', 'BTC')
      .option('--interval <interval>', 'candle interval', '1h')
      .option(
        '--csv <path>',
        'candles from a CSV (open_time_ms,open,high,low,close,volume) instead of the database',
      )
      .option('--from <time>', 'first candle decided on (ISO-8601 or epoch ms)')
      .option('--to <time>', 'last candle (ISO-8601 or epoch ms)')
      .option('--cash <amount>', 'starting cash', '10000')
      .option('--fee <rate>', 'fee per side', '0.001')
      .option('--slippage <rate>', 'slippage per fill', '0')
      .option(
        '--no-walk-forward',
        'do not train walk-forward models for the model rules (they then never fire)',
      )
      .option(
        '--retrain-every <candles>',
        'walk-forward: candles each model predicts',
        String(WALK_FORWARD_DEFAULTS.retrainEvery),
      )
      .option(
        '--model-params <json>',
        'walk-forward: model hyperparameters as JSON (default: the defaults with 10 epochs, as backtest jobs)',
        parseJsonObject,
      )
      .option(
        '--save-predictions <path>',
        'walk-forward: write the predictions to this JSON file (to replay them with --load-predictions)',
      )
      .option(
        '--load-predictions <path>',
        'the model rules read the predictions of this file (from --save-predictions) instead of training',
      )
      .option(
        '--sizing <kind>',
        "position sizing: all-in, fraction or volatility (default: the strategy's sizing, else all-in)",
      )
      .option('--fraction <share>', 'sizing fraction: share of equity per entry')
      .option(
        '--target-volatility <std>',
        "sizing volatility: the position's one-candle volatility aimed at (invests target / predicted volatility)",
      )
      .option('--max-fraction <share>', 'sizing volatility: largest share of equity per entry', '1')
      .option(
        '--json',
        'print one JSON document (the result of GET /backtests/:id, with the trades) instead of tables',
      )
      .action((options: BacktestOptions) => this.run(options));
  }

  async run(options: BacktestOptions): Promise<void> {
    const definition = options.definition
      ? {
          label: basename(options.definition),
          definition: parseDefinitionFile(await readFile(options.definition, 'utf8')),
        }
      : undefined;
    const fill = {
      startingCash: Number(options.cash),
      feeRate: Number(options.fee),
      slippage: Number(options.slippage),
    };
    const bar = process.stderr.isTTY
      ? new SingleBar(
          { format: 'deciding {bar} {value}/{total}', hideCursor: true },
          Presets.shades_classic,
        )
      : undefined;
    let trainingStarted = 0;
    const { loadPredictions } = options;
    const outcome = await backtestInProcess(
      {
        strategy: definition ?? { nameOrId: options.strategy },
        market: options,
        sizing: parseSizingOptions(options),
        from: options.from ? parseTimeOption(options.from, '--from') : undefined,
        to: options.to ? parseTimeOption(options.to, '--to') : undefined,
        fill,
        predictions: loadPredictions
          ? { load: async () => parsePredictionsFile(await readFile(loadPredictions, 'utf8')) }
          : options.walkForward
            ? {
                walkForward: {
                  retrainEvery: Number(options.retrainEvery),
                  modelParams: options.modelParams,
                },
              }
            : 'none',
      },
      {
        withApp: (work) => this.cli.withApp(work),
        tfBackend: this.cli.config.get('TF_BACKEND'),
        onWalkForwardStart: ({ blocks, retrainEvery, backend }) => {
          process.stderr.write(
            `Training ${blocks} walk-forward model(s) (every ${retrainEvery} candles, ${backend} backend)...\n`,
          );
          trainingStarted = Date.now();
        },
        onWalkForwardBlock: (done, total) =>
          process.stderr.write(
            `  model ${done}/${total} done after ${Math.round((Date.now() - trainingStarted) / 1000)} s\n`,
          ),
        onReplayStart: (candles) => bar?.start(candles, 0),
        onDecisions: (done) => bar?.update(done),
      },
    ).catch((error: unknown) => {
      throw error instanceof InProcessBacktestError ? refusal(error.problem, options) : error;
    });
    bar?.stop();
    if (options.savePredictions && outcome.generated) {
      await writeFile(options.savePredictions, JSON.stringify({ predictions: outcome.generated }));
    }
    const { label, sizing, predictions } = outcome;
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify(
          {
            strategy: label,
            from: new Date(outcome.firstOpenTime).toISOString(),
            to: new Date(outcome.lastOpenTime).toISOString(),
            params: { ...fill, sizing },
            result: outcome.figures,
            trades: outcome.result.trades,
          },
          null,
          2,
        )}\n`,
      );
      return;
    }
    process.stdout.write(
      `Strategy ${label} on ${outcome.figures.candles} candles, sizing ${JSON.stringify(sizing)}` +
        (!outcome.readsModel
          ? '\n'
          : predictions
            ? ` (model rules read ${predictions.size} walk-forward predictions)\n`
            : ' (its model rules do not fire: --no-walk-forward)\n'),
    );
    console.table([
      metricsRow('strategy', outcome.result.metrics),
      metricsRow('buy and hold', outcome.result.buyAndHold),
    ]);
  }
}

/** A backtest the options ask for that cannot run, worded for them. */
function refusal(
  problem: InProcessBacktestProblem,
  options: BacktestOptions,
): InvalidArgumentError {
  switch (problem.kind) {
    case 'no-sentiment':
      return new InvalidArgumentError(
        '--csv: the strategy reads sentiment, which a CSV of candles does not have (backtest a stored market instead)',
      );
    case 'empty-range':
      return new InvalidArgumentError(
        `no candles between ${options.from ?? 'the start'} and ${options.to ?? 'the end'} (${problem.candles} candles from ${problem.firstOpenTime === undefined ? '-' : new Date(problem.firstOpenTime).toISOString()})`,
      );
    case 'retrain-every':
      return new InvalidArgumentError('--retrain-every must be a whole number of at least 24');
  }
}
