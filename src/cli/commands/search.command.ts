import { InvalidArgumentError, type Command } from 'commander';
import { parseTime } from '../../common/time-param';
import { intervalMs } from '../../market-data/market-catalogue';
import { splitFeatureList } from '../../models/engine/feature-spec';
import {
  bestOutcome,
  bestTrial,
  evaluateBest,
  planTrials,
  runTrial,
} from '../../models/engine/model-search';
import {
  SEARCH_LIMITS,
  SearchSpaceError,
  resolveSearchSpace,
} from '../../models/engine/model-search-space';
import { resolveModelParams } from '../../models/engine/model-params';
import { disposeModel } from '../../models/engine/trained-model';
import { loadTensorFlow } from '../../models/engine/tf-backend';
import { searchDto } from '../../models/search/model-search.service';
import type {
  ModelSearchTrialEntity,
  SearchRequest,
} from '../../models/search/model-search.entity';

import type { CliCommand } from '../cli-command';
import type { CliContext } from '../cli-context';
import { cliFeatureContext, cliModelInputs } from '../run-inputs';
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
 * `search`: the search of `POST /admin/models/search` run in this process (no queue, no worker),
 * on a stored market or a candle CSV, with the same engine functions the search jobs run: trials
 * on the candles before --test-from only, then the best evaluated once on the rest.
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
    // Every market any candidate reads; a trial computes only the inputs it drew.
    const { candles, sentiment, markets } = await cliModelInputs(this.cli, options, [
      ...new Set(resolved.features.flat()),
    ]);
    const first = candles[0];
    const last = candles[candles.length - 1];
    if (!first || !last) {
      throw new InvalidArgumentError('no candles to search on');
    }
    const testFrom = options.testFrom
      ? parseTime(options.testFrom, '--test-from')
      : candles[Math.floor(candles.length * 0.8)]!.openTime;
    const training = candles.filter((candle) => candle.openTime < testFrom);
    const trainingMarkets = new Map(
      [...markets].map(([base, other]) => [
        base,
        other.filter((candle) => candle.openTime < testFrom),
      ]),
    );
    const request: SearchRequest = {
      kinds: resolved.kinds,
      space: resolved.space,
      trials: options.trials,
      folds: options.folds,
      seed: options.seed,
      horizons: this.cli.config.forecastHorizons(options.interval, options.symbol),
      features: resolved.features,
    };
    const plans = planTrials({ ...resolved, trials: options.trials, seed: options.seed });
    const { tf, backend } = await loadTensorFlow(this.cli.config.get('TF_BACKEND'));
    const step = intervalMs(options.interval);
    const trials: Omit<ModelSearchTrialEntity, 'searchId' | 'finishedAt'>[] = [];
    const createdAt = new Date();
    for (const plan of plans) {
      process.stderr.write(
        `trial ${plan.index + 1}/${plans.length}: ${plan.kind} ${JSON.stringify(plan.params)}` +
          (resolved.features.length > 1 ? ` inputs ${plan.features.join(' ')}` : '') +
          ` (${backend})\n`,
      );
      try {
        const result = await runTrial({
          tf,
          trainingCandles: training,
          intervalMs: step,
          plan,
          folds: options.folds,
          horizons: request.horizons,
          // The training candles are a prefix of the candles, so of the column too.
          sentiment: sentiment?.values.slice(0, training.length),
          markets: trainingMarkets,
        });
        trials.push({
          index: plan.index,
          kind: plan.kind,
          params: { ...plan.params },
          status: 'completed',
          score: result.score,
          // As the search jobs store it (the shape of GET /models/searches/:id).
          metrics: {
            ...result.metrics,
            features: plan.features,
            sentimentSource: sentiment?.source ?? null,
          },
          seconds: result.seconds,
          error: null,
        });
        process.stderr.write(
          `  score ${result.score.toFixed(5)} in ${result.seconds.toFixed(0)} s\n`,
        );
      } catch (error) {
        trials.push({
          index: plan.index,
          kind: plan.kind,
          params: { ...plan.params },
          status: 'failed',
          score: null,
          metrics: null,
          seconds: null,
          error: (error as Error).message,
        });
        process.stderr.write(`  failed: ${(error as Error).message}\n`);
      }
    }
    const best = bestTrial(trials);
    let outcome: Awaited<ReturnType<typeof evaluateBest>> | undefined;
    if (best?.score !== null && best !== undefined) {
      process.stderr.write(`evaluating trial ${best.index} on the test part...\n`);
      outcome = await evaluateBest({
        tf,
        candles,
        intervalMs: step,
        testFrom,
        plan: {
          kind: best.kind as (typeof resolved.kinds)[number],
          params: resolveModelParams(best.params),
          features: plans[best.index]!.features,
        },
        folds: options.folds,
        horizons: request.horizons,
        sentiment: sentiment?.values,
        markets,
      });
      disposeModel(outcome.trained);
    }
    const dto = searchDto(
      {
        id: 'cli',
        symbol: options.csv ?? options.symbol ?? 'BTC',
        interval: options.interval,
        status: outcome ? 'completed' : 'failed',
        request,
        dataFrom: new Date(first.openTime),
        testFrom: new Date(testFrom),
        dataTo: new Date(last.openTime),
        trialsTotal: plans.length,
        trialsDone: trials.length,
        best:
          best && best.score !== null && outcome
            ? bestOutcome({ ...best, score: best.score }, outcome)
            : null,
        error: outcome ? null : `every one of its ${trials.length} trials failed`,
        createdAt,
        finishedAt: new Date(),
      },
      trials,
      options.symbol ?? 'BTC',
    );
    if (options.json) {
      process.stdout.write(`${JSON.stringify(dto, null, 2)}\n`);
      return;
    }
    console.table(
      trials.map((trial) => ({
        trial: trial.index,
        kind: trial.kind,
        score: trial.score?.toFixed(5) ?? trial.error,
        seconds: trial.seconds?.toFixed(0) ?? '-',
        params: JSON.stringify(trial.params),
        features: plans[trial.index]!.features.join(' '),
      })),
    );
    if (outcome && best) {
      const { model, persistence, versusPersistence } = outcome.evaluation;
      process.stdout.write(
        `Best of ${trials.length} trials: ${best.kind} trial ${best.index} (validation score ${best.score?.toFixed(5)}).\n` +
          `On the test part (${new Date(testFrom).toISOString()} on): MAE ${model.mae.toPrecision(6)} against persistence ${persistence.mae.toPrecision(6)}, Diebold-Mariano p = ${versusPersistence.pValue.toPrecision(3)}.\n`,
      );
    }
  }
}
