import { injectPageStyles } from '../components/page-styles';
import { setQuery } from '../router';
import type { PageProps } from '../routes';
import { BacktestFormPanel } from './backtest-form';
import { BacktestResult } from './backtest-result';
import { RecentBacktests } from './backtest-runs';

injectPageStyles();

/** Backtests: the form, then the run's progress, equity, drawdown, figures and trades; recent runs. */
export default function BacktestsPage({ query }: PageProps) {
  const id = query.get('id');
  return (
    <div class="stack">
      <section class="panel">
        <div class="page-head">
          <h1>Backtests</h1>
          <span class="muted small">
            A strategy replayed over stored candles with fees, slippage and sizing
          </span>
        </div>
        <BacktestFormPanel onStarted={(backtestId) => setQuery({ id: backtestId })} />
      </section>
      {id ? <BacktestResult key={id} id={id} /> : null}
      <RecentBacktests selected={id} />
    </div>
  );
}
