import { Presets, SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import {
  DEFAULT_FEATURES,
  SELECTABLE_FEATURES,
  splitFeatureList,
} from '../../models/engine/feature-spec';
import { resolveModelParams } from '../../models/engine/model-params';
import { DEFAULT_MODEL_KIND, MODEL_KINDS, type ModelKind } from '../../models/engine/model-kind';
import { evaluateModel } from '../../models/in-process-evaluation';
import type { CliCommand } from '../cli-command';
import type { CliContext } from '../cli-context';
import { cliFeatureContext } from '../run-inputs';
import { parseFeatureOption, parseJsonObject, parseModelKind, parseTimeOption } from '../options';
import { evaluationJson, printEvaluation } from './evaluate.report';

interface EvaluateOptions {
  symbol?: string;
  interval: string;
  csv?: string;
  kind: ModelKind;
  params?: Record<string, number>;
  features?: string[];
  folds: string;
  testFrom?: string;
  horizons?: string;
  json?: boolean;
}

/**
 * `evaluate`: evaluateModel, a training job's run in this process on a stored market or a candle
 * CSV, printed instead of stored.
 */
export class EvaluateCommand implements CliCommand {
  constructor(private readonly cli: CliContext) {}

  register(parent: Command): void {
    parent
      .command('evaluate')
      .description(
        'Train and evaluate a model on a market (or a candle CSV) and print model, persistence and drift metrics',
      )
      .option('--symbol <symbol>', 'base asset of a stored market (with --interval)')
      .option('--interval <interval>', 'candle interval', '1h')
      .option(
        '--csv <path>',
        'candles from a CSV (open_time_ms,open,high,low,close,volume) instead of the database',
      )
      .option(
        `--kind <kind>`,
        `model kind: ${MODEL_KINDS.join(', ')}`,
        parseModelKind,
        DEFAULT_MODEL_KIND,
      )
      .option('--params <json>', 'hyperparameters as JSON (defaults otherwise)', parseJsonObject)
      .option(
        '--features <list>',
        `inputs per candle, comma-separated: built-ins (${SELECTABLE_FEATURES.join(', ')}; default: all), indicator outputs <spec>.<output> (ema:50.value, macd:12,26,9.signal), other markets' <BASE>/<input> (BTC/logReturn; not with --csv)`,
        splitFeatureList,
      )
      .option('--folds <count>', 'walk-forward folds on the training part (0 = none)', '3')
      .option(
        '--test-from <time>',
        'the test set starts here (ISO-8601 or epoch ms; default: the last 20%)',
      )
      .option(
        '--horizons <list>',
        'forecast horizons in candles, comma-separated (default: FORECAST_HORIZONS for the interval)',
      )
      .option('--json', 'print one JSON document instead of tables')
      .action((options: EvaluateOptions) => this.run(options));
  }

  async run(options: EvaluateOptions): Promise<void> {
    const { config } = this.cli;
    const testFrom = options.testFrom
      ? parseTimeOption(options.testFrom, '--test-from')
      : undefined;
    const horizons = options.horizons
      ? parseHorizons(options.horizons)
      : config.forecastHorizons(options.interval, options.symbol);
    const features = parseFeatureOption(
      '--features',
      options.features ?? DEFAULT_FEATURES,
      await cliFeatureContext(this.cli, options),
    );
    const params = resolveModelParams(options.params);
    const bar = process.stderr.isTTY
      ? new SingleBar(
          {
            format: '{bar} {stage} epoch {epoch}/{epochs} loss {loss} val {valLoss}',
            hideCursor: true,
          },
          Presets.shades_classic,
        )
      : undefined;
    const { outcome, run } = await evaluateModel(
      {
        source: options,
        kind: options.kind,
        params,
        features,
        horizons,
        testFrom,
        walkForwardFolds: Number(options.folds),
      },
      {
        withApp: (work) => this.cli.withApp(work),
        tfBackend: config.get('TF_BACKEND'),
        onTrainingStart: () =>
          bar?.start(params.epochs, 0, {
            stage: 'train',
            epoch: 0,
            epochs: params.epochs,
            loss: '-',
            valLoss: '-',
          }),
        onEpoch: (progress) =>
          bar?.update(progress.epoch, {
            stage: progress.stage,
            epoch: progress.epoch,
            epochs: progress.epochs,
            loss: progress.loss.toFixed(4),
            valLoss: progress.valLoss?.toFixed(4) ?? '-',
          }),
      },
    ).finally(() => bar?.stop());
    if (options.json) {
      process.stdout.write(`${JSON.stringify(evaluationJson(outcome, run), null, 2)}\n`);
    } else {
      printEvaluation(outcome, run);
    }
  }
}

/** `--horizons 1,4,24`: whole numbers of candles from 1 to 240. */
function parseHorizons(list: string): number[] {
  return list.split(',').map((h) => {
    const value = Number(h.trim());
    if (!Number.isInteger(value) || value < 1 || value > 240) {
      throw new InvalidArgumentError(
        `--horizons must be whole numbers of candles from 1 to 240, got ${JSON.stringify(h)}`,
      );
    }
    return value;
  });
}
