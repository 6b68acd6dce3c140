import type { TrainingOutcome } from '../../models/engine/training-pipeline';
import type { ModelEvaluationRun as EvaluationRun } from '../../models/in-process-evaluation';

/** `evaluate`'s tables: model, persistence and drift on the test set, walk-forward, each horizon. */
export function printEvaluation(outcome: TrainingOutcome, run: EvaluationRun): void {
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

/** `evaluate --json`: the figures a model version stores as its metrics, plus the run. */
export function evaluationJson(
  outcome: TrainingOutcome,
  run: EvaluationRun,
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
