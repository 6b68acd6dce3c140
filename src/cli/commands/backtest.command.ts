import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import type { Candle } from '../../market-data/candle';
import { MarketCatalogue, intervalMs } from '../../market-data/market-catalogue';
import { loadTensorFlow } from '../../models/engine/tf-backend';
import {
  WALK_FORWARD_DEFAULTS,
  walkForwardModelParams,
  walkForwardPredictions,
  type GeneratedPrediction,
} from '../../models/engine/walk-forward-predictions';
import { SentimentService } from '../../sentiment/sentiment.service';
import { readCandleCsv } from '../../simulator/candle-series';
import {
  needsModel,
  parseStrategyDefinition,
  type StrategyDefinition,
} from '../../strategy/engine/strategy-definition';
import { replayStrategy } from '../../strategy/engine/strategy-replay';
import { StrategiesService } from '../../strategy/strategies.service';
import { readsSentiment, strategySentiment } from '../../strategy/strategy-evaluator';
import type { CliCommand } from '../cli-command';
import type { CliContext } from '../cli-context';
import { metricsRow } from '../metrics-table';
import { storedCandles } from '../run-inputs';
import { parseJsonObject, parseTimeOption } from '../options';
import {
  parseDefinitionFile,
  parsePredictionsFile,
  parseSizingOptions,
  type BacktestOptions,
} from './backtest.options';

/** The strategy replayed and what it reads: a stored market's candles and sentiment, or a CSV's candles. */
interface BacktestInputs {
  label: string;
  definition: StrategyDefinition;
  candles: Candle[];
  sentiment: (number | null)[] | undefined;
}

/**
 * `backtest`: a backtest job's replay (`replayStrategy`, as BacktestsService runs it) in this
 * process, on a stored market (with the sentiment its jobs read) or a candle CSV, with a stored
 * strategy (StrategiesService.get) or a definition file.
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
    const { label, definition, candles, sentiment } = await this.inputs(options);
    if (options.csv && readsSentiment(definition)) {
      throw new InvalidArgumentError(
        '--csv: the strategy reads sentiment, which a CSV of candles does not have (backtest a stored market instead)',
      );
    }
    const sizing = parseSizingOptions(options) ?? definition.sizing ?? { kind: 'all-in' };
    const from = options.from ? parseTimeOption(options.from, '--from') : Number.NEGATIVE_INFINITY;
    const to = options.to ? parseTimeOption(options.to, '--to') : Number.POSITIVE_INFINITY;
    const range = candles.flatMap((candle, index) =>
      candle.openTime >= from && candle.openTime <= to ? [index] : [],
    );
    if (!range.length) {
      throw new InvalidArgumentError(
        `no candles between ${options.from ?? 'the start'} and ${options.to ?? 'the end'} (${candles.length} candles from ${candles[0] ? new Date(candles[0].openTime).toISOString() : '-'})`,
      );
    }
    const step = intervalMs(options.interval);
    const readsModel = needsModel(definition);
    const predictions = readsModel
      ? await this.predictions(options, candles, range, step)
      : undefined;
    const bar = process.stderr.isTTY
      ? new SingleBar(
          { format: 'deciding {bar} {value}/{total}', hideCursor: true },
          Presets.shades_classic,
        )
      : undefined;
    bar?.start(range.length, 0);
    const result = replayStrategy({
      definition,
      // Candles after the range are never read; those before it warm the inputs up.
      candles: candles.slice(0, range[range.length - 1]! + 1),
      start: range[0]!,
      predictions,
      sentiment,
      startingCash: Number(options.cash),
      feeRate: Number(options.fee),
      slippage: Number(options.slippage),
      sizing,
      intervalMs: step,
      onDecisions: (done) => bar?.update(done),
    });
    bar?.stop();
    if (options.json) {
      const first = candles[range[0]!]!;
      const last = candles[range[range.length - 1]!]!;
      process.stdout.write(
        `${JSON.stringify(
          {
            strategy: label,
            from: new Date(first.openTime).toISOString(),
            to: new Date(last.openTime).toISOString(),
            params: {
              startingCash: Number(options.cash),
              feeRate: Number(options.fee),
              slippage: Number(options.slippage),
              sizing,
            },
            result: {
              strategy: result.metrics,
              buyAndHold: result.buyAndHold,
              candles: range.length,
              predictionsUsed: predictions?.size ?? 0,
            },
            trades: result.trades,
          },
          null,
          2,
        )}\n`,
      );
      return;
    }
    process.stdout.write(
      `Strategy ${label} on ${range.length} candles, sizing ${JSON.stringify(sizing)}` +
        (!readsModel
          ? '\n'
          : predictions
            ? ` (model rules read ${predictions.size} walk-forward predictions)\n`
            : ' (its model rules do not fire: --no-walk-forward)\n'),
    );
    console.table([
      metricsRow('strategy', result.metrics),
      metricsRow('buy and hold', result.buyAndHold),
    ]);
  }

  /** The strategy and its candles; a definition file with a CSV needs no database. */
  private async inputs(options: BacktestOptions): Promise<BacktestInputs> {
    const fromFile = options.definition
      ? {
          label: basename(options.definition),
          definition: parseDefinitionFile(await readFile(options.definition, 'utf8')),
        }
      : undefined;
    if (fromFile && options.csv) {
      return { ...fromFile, candles: readCandleCsv(options.csv), sentiment: undefined };
    }
    return this.cli.withApp(async (app) => {
      let strategy = fromFile;
      if (!strategy) {
        const stored = await app.get(StrategiesService).get(options.strategy);
        strategy = {
          label: `${stored.name} v${stored.version}`,
          definition: parseStrategyDefinition(stored.definition),
        };
      }
      const candles = options.csv
        ? readCandleCsv(options.csv)
        : await storedCandles(app, options.symbol, options.interval);
      // A stored market's strategy reads the sentiment a backtest job gives it.
      const sentiment =
        readsSentiment(strategy.definition) && !options.csv
          ? await strategySentiment(app.get(SentimentService), {
              symbol: app.get(MarketCatalogue).resolveSymbol(options.symbol),
              candles,
              intervalMs: intervalMs(options.interval),
            })
          : undefined;
      return { ...strategy, candles, sentiment };
    });
  }

  /**
   * What the model rules read: a `--load-predictions` file, else (unless --no-walk-forward)
   * walk-forward predictions: each block of the range predicted by a model trained only on the
   * candles before it, as backtest jobs do; a model never sees what it predicts.
   */
  private async predictions(
    options: BacktestOptions,
    candles: readonly Candle[],
    range: readonly number[],
    step: number,
  ): Promise<Map<number, GeneratedPrediction> | undefined> {
    if (options.loadPredictions) {
      return parsePredictionsFile(await readFile(options.loadPredictions, 'utf8'));
    }
    if (!options.walkForward) {
      return undefined;
    }
    const retrainEvery = Number(options.retrainEvery);
    if (!Number.isInteger(retrainEvery) || retrainEvery < 24) {
      throw new InvalidArgumentError('--retrain-every must be a whole number of at least 24');
    }
    const modelParams = walkForwardModelParams(options.modelParams);
    const { tf, backend } = await loadTensorFlow(this.cli.config.get('TF_BACKEND'));
    const blocks = Math.ceil(range.length / retrainEvery);
    process.stderr.write(
      `Training ${blocks} walk-forward model(s) (every ${retrainEvery} candles, ${backend} backend)...\n`,
    );
    const started = Date.now();
    const generated = await walkForwardPredictions({
      tf,
      // Candles after the range are never predicted (nor seen: each block trains on what precedes it).
      candles: candles.slice(0, range[range.length - 1]! + 1),
      start: range[0]!,
      intervalMs: step,
      modelParams,
      retrainEvery,
      trainingCandles: WALK_FORWARD_DEFAULTS.trainingCandles,
      onBlock: (done, total) => {
        process.stderr.write(
          `  model ${done}/${total} done after ${Math.round((Date.now() - started) / 1000)} s\n`,
        );
      },
    });
    if (options.savePredictions) {
      await writeFile(
        options.savePredictions,
        JSON.stringify({ predictions: [...generated.predictions.values()] }),
      );
    }
    return generated.predictions;
  }
}
