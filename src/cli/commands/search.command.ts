import { InvalidArgumentError, type Command } from 'commander';
import { parseTime } from '../../common/time-param';
import { splitFeatureList } from '../../models/engine/feature-spec';
import {
  SEARCH_LIMITS,
  SearchSpaceError,
  resolveSearchSpace,
} from '../../models/engine/model-search-space';
import { searchInProcess } from '../../models/search/in-process-search';
import type { CliCommand } from '../cli-command';
import type { CliContext } from '../cli-context';
import { cliFeatureContext } from '../run-inputs';
import { wholeNumber } from '../options';

interface SearchOptions {
  symbol?: string;
  interval: string;
  csv?: string;
  kinds?: string;
  space?: string;
  features?: string[][];
  trials: number;
  folds: number;
  seed: number;
  testFrom?: string;
  json?: boolean;
}

/**
 * `search`: searchInProcess, the search of `POST /admin/models/search` run in this process (no
 * queue, no worker) on a stored market or a candle CSV, with the steps its jobs run: trials on
 * the candles before --test-from only, then the best evaluated once on the rest.
 */
export class SearchCommand implements CliCommand {
  constructor(private readonly cli: CliContext) {}

  register(parent: Command): void {
    parent
      .command('search')
      .description(
        'Search model kinds and hyperparameters on the training part (walk-forward folds inside each trial), then evaluate the best once on the test part',
      )
      .option('--symbol <symbol>', 'base asset of a stored market (with --interval)')
      .option('--interval <interval>', 'candle interval', '1h')
      .option('--csv <path>', 'candles from a CSV instead of the database')
      .option('--kinds <list>', 'model kinds, comma-separated (default: all)')
      .option('--space <json>', 'search space per kind as JSON (see POST /admin/models/search)')
      .option(
        '--features <list>',
        'a candidate input list, comma-separated as in evaluate --features; repeat the option for more candidates, one is drawn per trial (default: the default inputs)',
        (value: string, previous: string[][] | undefined) => [
          ...(previous ?? []),
          splitFeatureList(value),
        ],
      )
      .option(
        '--trials <count>',
        'trials',
        wholeNumber('--trials', 1, SEARCH_LIMITS.maxTrials),
        SEARCH_LIMITS.defaultTrials,
      )
      .option(
        '--folds <count>',
        'walk-forward folds in each trial',
        wholeNumber('--folds', 0, SEARCH_LIMITS.maxFolds),
        SEARCH_LIMITS.defaultFolds,
      )
      .option('--seed <n>', 'seed of the trial sampler', wholeNumber('--seed', 0, 2_147_483_647), 1)
      .option('--test-from <time>', 'first candle of the test part (default: the last 20%)')
      .option('--json', 'print one JSON document (the shape of GET /models/searches/:id)')
      .action((options: SearchOptions) => this.run(options));
  }

  async run(options: SearchOptions): Promise<void> {
    let resolved: ReturnType<typeof resolveSearchSpace>;
    const featureContext = await cliFeatureContext(this.cli, options);
    try {
      resolved = resolveSearchSpace({
        kinds: options.kinds?.split(',').map((kind) => kind.trim()),
        space: options.space ? (JSON.parse(options.space) as Record<string, unknown>) : undefined,
        features: options.features,
        featureContext,
      });
    } catch (error) {
      if (error instanceof SearchSpaceError || error instanceof SyntaxError) {
        throw new InvalidArgumentError(error.message);
      }
      throw error;
    }
    const { search, best, evaluation } = await searchInProcess(
      {
        source: options,
        space: resolved,
        trials: options.trials,
        folds: options.folds,
        seed: options.seed,
        horizons: this.cli.config.forecastHorizons(options.interval, options.symbol),
        testFrom: options.testFrom ? parseTime(options.testFrom, '--test-from') : undefined,
      },
      {
        withApp: (work) => this.cli.withApp(work),
        tfBackend: this.cli.config.get('TF_BACKEND'),
        onTrialStart: (plan, total, backend) =>
          process.stderr.write(
            `trial ${plan.index + 1}/${total}: ${plan.kind} ${JSON.stringify(plan.params)}` +
              (resolved.features.length > 1 ? ` inputs ${plan.features.join(' ')}` : '') +
              ` (${backend})\n`,
          ),
        onTrialEnd: (trial) =>
          process.stderr.write(
            trial.score === null
              ? `  failed: ${trial.error}\n`
              : `  score ${trial.score.toFixed(5)} in ${trial.seconds?.toFixed(0)} s\n`,
          ),
        onEvaluating: (index) =>
          process.stderr.write(`evaluating trial ${index} on the test part...\n`),
      },
    );
    if (options.json) {
      process.stdout.write(`${JSON.stringify(search, null, 2)}\n`);
      return;
    }
    console.table(
      search.trials.map((trial) => ({
        trial: trial.index,
        kind: trial.kind,
        score: trial.score?.toFixed(5) ?? trial.error,
        seconds: trial.seconds?.toFixed(0) ?? '-',
        params: JSON.stringify(trial.params),
        features: trial.features.join(' '),
      })),
    );
    if (best && evaluation) {
      const { model, persistence, versusPersistence } = evaluation;
      process.stdout.write(
        `Best of ${search.trials.length} trials: ${best.kind} trial ${best.trialIndex} (validation score ${best.score.toFixed(5)}).\n` +
          `On the test part (${search.testFrom.toISOString()} on): MAE ${model.mae.toPrecision(6)} against persistence ${persistence.mae.toPrecision(6)}, Diebold-Mariano p = ${versusPersistence.pValue.toPrecision(3)}.\n`,
      );
    }
  }
}
