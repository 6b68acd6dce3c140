import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Presets, SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { parseTime } from './common/time-param';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { DataSource } from 'typeorm';
import { stringify } from 'yaml';
import { AppModule } from './app.module';
import { API_KEY_ROLES, type ApiKeyRole } from './auth/api-key.entity';
import { ApiKeysService } from './auth/api-keys.service';
import type { AppConfig } from './config/app-config';
import { loadConfigOrExit } from './config/load-config';
import {
  dataSourceOptions,
  ensureDatabaseExists,
  runMigrationsLocked,
} from './database/data-source';
import { generateMigration } from './database/migration-generator';
import { buildOpenApiDocument, createHttpApp } from './http-app';
import { createRootLogger } from './logging/root-logger';
import { CandlesService } from './market-data/candles.service';
import { KlinesImportService } from './market-data/import/klines-import.service';
import { JobsService } from './queue/jobs.service';
import { CandlesRepository } from './market-data/candles.repository';
import { MarketCatalogue, intervalMs } from './market-data/market';
import type { Candle } from './market-data/candle';
import {
  DEFAULT_FEATURES,
  FeatureListError,
  SELECTABLE_FEATURES,
  parseFeatureList,
  splitFeatureList,
  type FeatureContext,
  type FeatureName,
} from './models/engine/feature-spec';
import { resolveModelParams } from './models/engine/lstm-model';
import {
  DEFAULT_MODEL_KIND,
  isModelKind,
  MODEL_KINDS,
  type ModelKind,
} from './models/engine/model-kind';
import { loadTensorFlow } from './models/engine/tf-backend';
import { runTraining, type TrainingOutcome } from './models/engine/training-pipeline';
import { ModelsService } from './models/models.service';
import { readCandleCsv } from './simulator/candle-series';
import { ModelInputs, featureContext, type ModelInputSet } from './models/model-inputs';
import { registerBacktestCommand } from './cli/backtest.command';
import { registerPaperCommand } from './cli/paper.command';
import { registerSearchCommand } from './cli/search.command';
import { FearGreedImportService } from './sentiment/import/fear-greed-import.service';
import { ExchangeSimulator } from './simulator/exchange-simulator';
import { simulatedMarkets } from './simulator/simulated-markets';

const REPOSITORY_ROOT = join(__dirname, '..', '..');

async function withDataSource<T>(
  config: AppConfig,
  work: (dataSource: DataSource) => Promise<T>,
): Promise<T> {
  await ensureDatabaseExists(config.get('DATABASE_URL'));
  const dataSource = await new DataSource(
    dataSourceOptions(config, 'crypto-freq-trade:cli'),
  ).initialize();
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

async function withApp<T>(
  config: AppConfig,
  work: (app: INestApplicationContext) => Promise<T>,
): Promise<T> {
  const rootLogger = createRootLogger(config, 'cli');
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot({ config, rootLogger, roles: { api: false, worker: false } }),
    { logger: ['error', 'warn'] },
  );
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}

function withApiKeys<T>(
  config: AppConfig,
  work: (apiKeys: ApiKeysService) => Promise<T>,
): Promise<T> {
  return withApp(config, (app) => work(app.get(ApiKeysService)));
}

/** Writes openapi.yaml and schema.gql from the code (the committed copies are checked by a test). */
export async function renderContracts(
  config: AppConfig,
): Promise<{ openapi: string; schema: string }> {
  const rootLogger = createRootLogger(config, 'cli');
  rootLogger.level = 'warn';
  const app = await createHttpApp({ config, rootLogger, roles: { api: true, worker: false } });
  try {
    const openapi = stringify(buildOpenApiDocument(app), { sortMapEntries: false, lineWidth: 0 });
    const schema = printSchema(lexicographicSortSchema(app.get(GraphQLSchemaHost).schema));
    return { openapi, schema };
  } finally {
    await app.close();
  }
}

/** Queues a job through `queue`, then (with `wait`) follows it to the end and reports its outcome. */
async function queueAndFollow(
  app: INestApplicationContext,
  what: string,
  wait: boolean,
  queue: () => Promise<{ jobId: string }>,
): Promise<void> {
  const { jobId } = await queue();
  process.stdout.write(`Queued ${what} job ${jobId}\n`);
  if (!wait) {
    return;
  }
  const job = await followJob(app.get(JobsService), jobId);
  process.stdout.write(
    `Job ${jobId} ${job.state}: ${JSON.stringify(job.result ?? job.error ?? null)}\n`,
  );
  if (job.state === 'failed') {
    process.exitCode = 1;
  }
}

/** Polls a job until it completes or fails, with a progress bar on a terminal. */
async function followJob(jobs: JobsService, jobId: string) {
  const bar = process.stderr.isTTY
    ? new SingleBar(
        { format: '{bar} {percentage}% {state}', hideCursor: true },
        Presets.shades_classic,
      )
    : undefined;
  bar?.start(100, 0, { state: 'waiting' });
  try {
    for (;;) {
      const job = await jobs.get(jobId);
      const progress = job.progress as { percent?: number } | number | null;
      const percent = typeof progress === 'number' ? progress : (progress?.percent ?? 0);
      bar?.update(Math.round(percent), { state: job.state });
      if (job.state === 'completed' || job.state === 'failed') {
        return job;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    bar?.stop();
  }
}

function parseJsonObject(value: string): Record<string, number> {
  try {
    const parsed = JSON.parse(value) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return parsed as Record<string, number>;
    }
  } catch {
    // reported below
  }
  throw new InvalidArgumentError('must be a JSON object, e.g. {"units":32}');
}

function parseModelKind(value: string): ModelKind {
  if (!isModelKind(value)) {
    throw new InvalidArgumentError(`must be one of ${MODEL_KINDS.join(', ')}`);
  }
  return value;
}

/**
 * Where `--features` are checked: a stored market's inputs may read the catalogue's other
 * markets; a candle CSV has no other markets, so `BTC/...` inputs are refused there.
 */
async function cliFeatureContext(
  config: AppConfig,
  options: { symbol?: string; csv?: string },
): Promise<FeatureContext> {
  if (options.csv) {
    return {};
  }
  const catalogue = await cliCatalogue(config);
  return featureContext(catalogue, catalogue.resolveSymbol(options.symbol ?? 'BTC'));
}

/** The markets the service follows: from SYMBOLS, or (`SYMBOLS=*`) as the service resolved them. */
async function cliCatalogue(config: AppConfig): Promise<MarketCatalogue> {
  return config.get('SYMBOLS') === '*'
    ? withApp(config, async (app) => app.get(MarketCatalogue))
    : MarketCatalogue.fromConfig(config);
}

async function cliSymbol(config: AppConfig, symbol: string | undefined): Promise<string> {
  return (await cliCatalogue(config)).resolveSymbol(symbol ?? 'BTC');
}

/** A `--features` list in canonical form, or an error naming each bad entry. */
function cliFeatures(
  option: string,
  features: readonly string[],
  context: FeatureContext,
): FeatureName[] {
  try {
    return parseFeatureList(features, context);
  } catch (error) {
    if (!(error instanceof FeatureListError)) {
      throw error;
    }
    const hint =
      context.otherMarkets === undefined
        ? ' (inputs from other markets need --symbol, not --csv)'
        : '';
    throw new InvalidArgumentError(
      `${option}: ${error.problems.map((p) => `${p.field} ${p.problem}`).join('; ')}${hint}`,
    );
  }
}

/**
 * A model's inputs as training jobs gather them (ModelInputs): a stored market's candles, the
 * sentiment column where a series covers them and other markets' candles; or a candle CSV's
 * candles alone.
 */
async function cliInputs(
  config: AppConfig,
  options: { symbol?: string; interval: string; csv?: string },
  features: readonly FeatureName[],
): Promise<ModelInputSet> {
  if (options.csv) {
    return { candles: readCandleCsv(options.csv), features: [...features], markets: new Map() };
  }
  return withApp(config, async (app) =>
    app.get(ModelInputs).gather({
      symbol: await cliSymbol(config, options.symbol),
      interval: options.interval,
      candles: await storedCandles(app, options.symbol ?? 'BTC', options.interval),
      features,
      sentiment: 'join',
    }),
  );
}

async function storedCandles(
  app: INestApplicationContext,
  symbolInput: string,
  interval: string,
): Promise<Candle[]> {
  const catalogue = app.get(MarketCatalogue);
  const symbol = catalogue.resolveSymbol(symbolInput);
  return app.get(CandlesRepository).find({
    exchange: catalogue.exchange,
    symbol: catalogue.pair(symbol),
    interval: catalogue.resolveInterval(interval),
    from: 0,
    to: Date.UTC(2200, 0, 1),
    limit: 200_000,
    newest: true,
  });
}

function printEvaluation(
  outcome: TrainingOutcome,
  run: { backend: string; seconds: number; candles: number },
): void {
  const { evaluation, walkForward } = outcome;
  const row = (
    name: string,
    m: {
      mae: number;
      mape: number;
      rmse: number;
      directionalAccuracy: number | null;
      count: number;
    },
  ) => ({
    contender: name,
    MAE: m.mae.toPrecision(6),
    'MAPE %': m.mape.toPrecision(5),
    RMSE: m.rmse.toPrecision(6),
    'direction %': m.directionalAccuracy === null ? '-' : (m.directionalAccuracy * 100).toFixed(2),
    candles: m.count,
  });
  process.stdout.write(
    `${outcome.trained.kind} model: ${run.candles} candles, ${outcome.samples} windows (${outcome.trainSamples} for training), ${outcome.trained.epochsRun} epochs on ${run.backend} in ${run.seconds.toFixed(0)} s\n` +
      `Test set: ${evaluation.model.count} windows (${new Date(evaluation.testFrom ?? 0).toISOString()} to ${new Date(evaluation.testTo ?? 0).toISOString()})\n`,
  );
  console.table([
    row('model', evaluation.model),
    row('persistence', evaluation.persistence),
    row('drift', evaluation.drift),
  ]);
  if (walkForward) {
    process.stdout.write(
      `Walk-forward, ${walkForward.folds.length} folds (${walkForward.epochsPerFold} epochs each), MAE weighted by candles:\n`,
    );
    console.table([
      {
        contender: 'model',
        MAE: walkForward.model.mae.toPrecision(6),
        candles: walkForward.model.count,
      },
      {
        contender: 'persistence',
        MAE: walkForward.persistence.mae.toPrecision(6),
        candles: walkForward.persistence.count,
      },
      {
        contender: 'drift',
        MAE: walkForward.drift.mae.toPrecision(6),
        candles: walkForward.drift.count,
      },
    ]);
  }
  process.stdout.write(
    'Forecast per horizon on the test set (point: served forecast vs persistence, Diebold-Mariano p; band: 80% interval coverage / mean width, model vs rolling empirical quantiles vs EWMA; P(up): Brier, model vs base rate):\n',
  );
  console.table(
    outcome.forecast.map((h) => ({
      horizon: h.horizon,
      shrinkage: h.shrinkage.toFixed(3),
      'MAE model': h.point.model.mae.toPrecision(6),
      'MAE persistence': h.point.persistence.mae.toPrecision(6),
      'DM p': h.point.versusPersistence.pValue.toPrecision(3),
      'direction %':
        h.point.model.directionalAccuracy === null
          ? '-'
          : (h.point.model.directionalAccuracy * 100).toFixed(2),
      coverage: `${(h.band.model.coverage * 100).toFixed(1)} / ${(h.band.empirical.coverage * 100).toFixed(1)} / ${(h.band.ewma.coverage * 100).toFixed(1)}`,
      'width %': `${(h.band.model.meanWidth * 100).toFixed(2)} / ${(h.band.empirical.meanWidth * 100).toFixed(2)} / ${(h.band.ewma.meanWidth * 100).toFixed(2)}`,
      Brier: `${h.probabilityUp.model.brier.toFixed(4)} / ${h.probabilityUp.baseRate.brier.toFixed(4)}`,
      candles: h.count,
    })),
  );
  const beats = evaluation.model.mae < evaluation.persistence.mae;
  process.stdout.write(
    beats
      ? `The model beats persistence on the test set by ${(((evaluation.persistence.mae - evaluation.model.mae) / evaluation.persistence.mae) * 100).toFixed(2)}% MAE.\n`
      : `The model does NOT beat persistence on the test set (MAE ${(((evaluation.model.mae - evaluation.persistence.mae) / evaluation.persistence.mae) * 100).toFixed(2)}% worse).\n`,
  );
}

/** The API's reading of times: epoch ms or ISO-8601, UTC without a zone. */
function cliTime(value: string, option: string): number {
  try {
    return parseTime(value, option);
  } catch {
    throw new InvalidArgumentError(
      `${option} must be an ISO-8601 time or epoch milliseconds, got ${JSON.stringify(value)}`,
    );
  }
}

/** `evaluate --json`: the figures a model version stores as its metrics, plus the run. */
function evaluationJson(
  outcome: TrainingOutcome,
  run: { backend: string; seconds: number; candles: number },
): Record<string, unknown> {
  return {
    candles: run.candles,
    backend: run.backend,
    seconds: run.seconds,
    samples: outcome.samples,
    trainSamples: outcome.trainSamples,
    kind: outcome.trained.kind,
    epochsRun: outcome.trained.epochsRun,
    params: outcome.trained.params,
    features: outcome.trained.features,
    split: outcome.evaluation,
    forecast: outcome.forecast,
    calibration: outcome.trained.calibration,
    walkForward: outcome.walkForward,
  };
}

function parseRole(value: string): ApiKeyRole {
  if (!(API_KEY_ROLES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`must be one of ${API_KEY_ROLES.join(', ')}`);
  }
  return value as ApiKeyRole;
}

async function main(argv: string[]): Promise<void> {
  const config = loadConfigOrExit();
  const program = new Command('cli')
    .description('crypto-freq-trade admin commands')
    .showHelpAfterError();

  const apiKey = program.command('api-key').description('Manage API keys');
  apiKey
    .command('create')
    .description('Create a key; the secret is printed once')
    .requiredOption('--name <name>', 'what the key is for')
    .requiredOption('--role <role>', `one of ${API_KEY_ROLES.join(', ')}`, parseRole)
    .action(async (options: { name: string; role: ApiKeyRole }) => {
      const created = await withApiKeys(config, (keys) => keys.create(options));
      process.stdout.write(
        `Created ${created.apiKey.role} key "${created.apiKey.name}" (id ${created.apiKey.id}).\n` +
          `Key (shown once, store it now): ${created.key}\n`,
      );
    });
  apiKey
    .command('list')
    .description('List keys (never their secrets)')
    .action(async () => {
      const keys = await withApiKeys(config, (service) => service.list());
      const rows = keys.map((key) => ({
        id: key.id,
        name: key.name,
        role: key.role,
        prefix: `${key.prefix}…`,
        created: key.createdAt.toISOString(),
        lastUsed: key.lastUsedAt?.toISOString() ?? '-',
        revoked: key.revokedAt?.toISOString() ?? '-',
      }));
      if (rows.length) {
        console.table(rows);
      } else {
        process.stdout.write(
          'No API keys yet. Create one with: npm run cli -- api-key create --name NAME --role admin\n',
        );
      }
    });
  apiKey
    .command('revoke <id>')
    .description('Revoke a key; every replica stops accepting it within a second')
    .action(async (id: string) => {
      const key = await withApiKeys(config, (service) => service.revoke(id));
      process.stdout.write(
        `Revoked key "${key.name}" (${key.prefix}…) at ${key.revokedAt?.toISOString()}\n`,
      );
    });

  program
    .command('import-klines <paths...>')
    .description(
      'Import kline files: Binance dumps (data.binance.vision, .csv or .zip) or CSVs with an open_time_ms header',
    )
    .requiredOption('--symbol <symbol>', 'base asset (BTC), or the pair (BTCUSDT, BTC-USDT)')
    .requiredOption('--interval <interval>', 'candle interval of the files (1m, 1h, ...)')
    .action(async (paths: string[], options: { symbol: string; interval: string }) => {
      const bar = process.stderr.isTTY
        ? new SingleBar(
            { format: 'files {value}/{total} |{bar}| {rows} rows read', hideCursor: true },
            Presets.shades_classic,
          )
        : undefined;
      bar?.start(paths.length, 0, { rows: 0 });
      const summary = await withApp(config, (app) =>
        app.get(KlinesImportService).import({
          symbol: options.symbol,
          interval: options.interval,
          paths,
          onProgress: ({ filesDone, rowsRead }) => bar?.update(filesDone, { rows: rowsRead }),
        }),
      ).finally(() => bar?.stop());
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
    });

  program
    .command('import-fear-greed <path>')
    .description('Import Crypto Fear & Greed history from a date,value,classification CSV')
    .action(async (path: string) => {
      const summary = await withApp(config, (app) => app.get(FearGreedImportService).import(path));
      process.stdout.write(
        `Fear & Greed: ${summary.rowsRead} rows read; inserted ${summary.inserted}, updated ${summary.updated}, ` +
          `already present ${summary.alreadyPresent}, rejected ${summary.rejected.length}\n` +
          summary.rejected.map((row) => `  line ${row.line}: ${row.reason}\n`).join(''),
      );
      if (summary.rejected.length) {
        process.exitCode = 2;
      }
    });

  program
    .command('backfill')
    .description('Queue a backfill job (a worker runs it) and follow its progress')
    .requiredOption('--symbol <symbol>', 'base asset (BTC) or pair')
    .requiredOption('--interval <interval>', 'candle interval (1m, 1h, ...)')
    .requiredOption('--from <time>', 'ISO-8601 time or epoch ms')
    .option('--to <time>', 'ISO-8601 time or epoch ms (default: up to the latest closed candle)')
    .option('--no-wait', 'print the job id and return')
    .action(
      async (options: {
        symbol: string;
        interval: string;
        from: string;
        to?: string;
        wait: boolean;
      }) => {
        await withApp(config, (app) =>
          queueAndFollow(app, 'backfill', options.wait, () =>
            app.get(CandlesService).requestBackfill(options),
          ),
        );
      },
    );

  program
    .command('train')
    .description('Queue a training job for a market (a worker runs it) and follow its progress')
    .requiredOption('--symbol <symbol>', 'base asset (BTC) or pair')
    .option('--interval <interval>', 'candle interval (default PREDICT_INTERVAL)')
    .option(
      `--kind <kind>`,
      `model kind: ${MODEL_KINDS.join(', ')}`,
      parseModelKind,
      DEFAULT_MODEL_KIND,
    )
    .option(
      '--params <json>',
      'hyperparameters as JSON, e.g. {"units":32,"epochs":20}',
      parseJsonObject,
    )
    .option('--no-wait', 'print the job id and return')
    .action(
      async (options: {
        symbol: string;
        interval?: string;
        kind: ModelKind;
        params?: Record<string, number>;
        wait: boolean;
      }) => {
        await withApp(config, (app) =>
          queueAndFollow(app, 'training', options.wait, () =>
            app.get(ModelsService).train(options),
          ),
        );
      },
    );

  program
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
    .action(
      async (options: {
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
      }) => {
        const testFrom = options.testFrom ? cliTime(options.testFrom, '--test-from') : undefined;
        const horizons = options.horizons
          ? options.horizons.split(',').map((h) => {
              const value = Number(h.trim());
              if (!Number.isInteger(value) || value < 1 || value > 240) {
                throw new InvalidArgumentError(
                  `--horizons must be whole numbers of candles from 1 to 240, got ${JSON.stringify(h)}`,
                );
              }
              return value;
            })
          : config.forecastHorizons(options.interval, options.symbol);
        // A stored market gets the inputs training jobs give it (sentiment where a series covers
        // it, other markets' candles for their inputs).
        const chosen = cliFeatures(
          '--features',
          options.features ?? DEFAULT_FEATURES,
          await cliFeatureContext(config, options),
        );
        const { candles, features, sentiment, markets } = await cliInputs(config, options, chosen);
        const params = resolveModelParams(options.params);
        const { tf, backend } = await loadTensorFlow(config.get('TF_BACKEND'));
        const bar = process.stderr.isTTY
          ? new SingleBar(
              {
                format: '{bar} {stage} epoch {epoch}/{epochs} loss {loss} val {valLoss}',
                hideCursor: true,
              },
              Presets.shades_classic,
            )
          : undefined;
        bar?.start(params.epochs, 0, {
          stage: 'train',
          epoch: 0,
          epochs: params.epochs,
          loss: '-',
          valLoss: '-',
        });
        const started = Date.now();
        const outcome = await runTraining({
          tf,
          candles,
          intervalMs: intervalMs(options.interval),
          features,
          sentiment: sentiment?.values,
          markets,
          params,
          kind: options.kind,
          horizons,
          testFrom,
          walkForwardFolds: Number(options.folds),
          walkForwardEpochs: 3,
          onEpoch: (progress) =>
            bar?.update(progress.epoch, {
              stage: progress.stage,
              epoch: progress.epoch,
              epochs: progress.epochs,
              loss: progress.loss.toFixed(4),
              valLoss: progress.valLoss?.toFixed(4) ?? '-',
            }),
        }).finally(() => bar?.stop());
        const run = { backend, seconds: (Date.now() - started) / 1000, candles: candles.length };
        if (options.json) {
          process.stdout.write(`${JSON.stringify(evaluationJson(outcome, run), null, 2)}\n`);
        } else {
          printEvaluation(outcome, run);
        }
      },
    );

  registerBacktestCommand(program, {
    config,
    withApp: (work) => withApp(config, work),
    storedCandles,
    cliTime,
    parseJsonObject,
  });
  registerPaperCommand(program, { withApp: (work) => withApp(config, work) });

  registerSearchCommand(program, {
    config,
    featureContext: (options) => cliFeatureContext(config, options),
    loadInputs: (options, features) => cliInputs(config, options, features),
  });

  program
    .command('simulate-exchange')
    .description(
      'Run a simulated Binance (REST + kline websocket) with generated or replayed candles',
    )
    .option('--port <port>', 'port to listen on', '9400')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--symbols <list>', 'base assets', 'BTC,ETH,SOL,ADA')
    .option('--quote <asset>', 'quote asset', 'USDT')
    .option('--intervals <list>', 'intervals', '1m,1h')
    .option('--history-days <days>', 'days of generated history before now', '30')
    .option('--seed <seed>', 'seed of the generated candles', 'demo')
    .option('--speed <factor>', 'simulated ms per real ms for the live stream', '1')
    .option('--start <time>', 'simulated time at start (ISO-8601; default now)')
    .option(
      '--replay <spec...>',
      'PAIR:INTERVAL:CSV_PATH to replay a file (open_time_ms,open,high,low,close,volume)',
    )
    .option('--weight-limit <weight>', 'request weight per minute before 429 / 418', '6000')
    .option(
      '--momentum <factor>',
      'trend persistence of generated candles (0 = none, as real markets)',
      '0',
    )
    .action(async (options: Record<string, string | string[] | undefined>) => {
      const list = (value: unknown) =>
        String(value)
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean);
      const startTime = options.start ? Date.parse(String(options.start)) : Date.now();
      const origin = startTime - Number(options.historyDays) * 86_400_000;
      const simulator = await ExchangeSimulator.start({
        port: Number(options.port),
        host: String(options.host),
        speed: Number(options.speed),
        startTime,
        weightLimitPerMinute: Number(options.weightLimit),
        markets: simulatedMarkets({
          bases: list(options.symbols).map((base) => base.toUpperCase()),
          quote: String(options.quote).toUpperCase(),
          intervals: list(options.intervals),
          origin,
          seed: String(options.seed),
          momentum: Number(options.momentum),
          replays: (options.replay as string[] | undefined) ?? [],
        }),
      });
      process.stdout.write(
        `Simulated exchange listening: REST ${simulator.restUrl}, websocket ${simulator.wsUrl}\n` +
          `Point the service at it: EXCHANGE=binance EXCHANGE_REST_URL=${simulator.restUrl} EXCHANGE_WS_URL=${simulator.wsUrl}\n`,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await simulator.close();
    });

  program
    .command('migration:run')
    .description('Apply pending migrations')
    .action(async () => {
      const applied = await withDataSource(config, runMigrationsLocked);
      process.stdout.write(
        applied.length ? `Applied: ${applied.join(', ')}\n` : 'No pending migrations\n',
      );
    });
  program
    .command('migration:revert')
    .description('Revert the last applied migration')
    .action(async () => {
      await withDataSource(config, (dataSource) =>
        dataSource.undoLastMigration({ transaction: 'each' }),
      );
      process.stdout.write('Reverted the last migration\n');
    });
  program
    .command('migration:generate <name>')
    .description(
      'Write a migration for the difference between the entities and the migrated database',
    )
    .action(async (name: string) => {
      const path = await withDataSource(config, async (dataSource) => {
        await runMigrationsLocked(dataSource);
        return generateMigration({
          dataSource,
          name,
          directory: join(REPOSITORY_ROOT, 'migrations'),
        });
      });
      process.stdout.write(
        path ? `Wrote ${path}\n` : 'Entities and migrations agree: nothing to generate\n',
      );
    });
  program
    .command('openapi')
    .description('Write openapi.yaml and the GraphQL schema from the code')
    .option('--out <path>', 'OpenAPI file', 'openapi.yaml')
    .option('--schema <path>', 'GraphQL schema file', 'schema.gql')
    .action(async (options: { out: string; schema: string }) => {
      const { openapi, schema } = await renderContracts(config);
      await writeFile(options.out, openapi);
      await writeFile(options.schema, schema);
      process.stdout.write(`Wrote ${options.out} and ${options.schema}\n`);
    });

  await program.parseAsync(argv);
}

if (require.main === module) {
  main(process.argv).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
