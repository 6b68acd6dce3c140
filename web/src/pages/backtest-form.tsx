import { useState } from 'preact/hooks';
import type { SizingKind } from '../api/types';
import { ErrorBox, FormError } from '../components/error-box';
import { useStrategiesAndMarkets } from '../components/hooks';
import { NumberField } from '../components/number-field';
import { SelectField } from '../components/select-field';
import { useSession } from '../session';
import { defaults, requestBody, type BacktestForm } from './backtest-request';

/** The backtest form: strategy, market, range, costs and sizing; `onStarted` gets the new run. */
export function BacktestFormPanel({
  onStarted,
}: {
  onStarted: (id: string, jobId: string) => void;
}) {
  const { api } = useSession();
  const inputs = useStrategiesAndMarkets();
  const [form, setForm] = useState<BacktestForm | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (inputs.error) {
    return <ErrorBox error={inputs.error} />;
  }
  if (!inputs.data) {
    return <p class="muted">Loading strategies and markets…</p>;
  }
  const { markets, strategies } = inputs.data;
  const current = form ?? defaults(markets, strategies);
  const set = (changes: Partial<BacktestForm>) => setForm({ ...current, ...changes });
  const value =
    (name: keyof BacktestForm) =>
    (text: string): void =>
      set({ [name]: text });
  const text =
    (name: keyof BacktestForm) =>
    (event: Event): void =>
      value(name)((event.currentTarget as HTMLInputElement).value);
  const symbols = [...new Set(markets.map((market) => market.symbol))];
  const intervals = markets
    .filter((market) => market.symbol === current.symbol)
    .map((market) => market.interval);
  const names = [...new Set(strategies.map((strategy) => strategy.name))];

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const started = await api.post<{ backtestId: string; jobId: string }>(
        '/backtests',
        requestBody(current),
      );
      onStarted(started.backtestId, started.jobId);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="form" onSubmit={(event) => void submit(event)} data-testid="backtest-form">
      <SelectField
        label="strategy"
        name="strategy"
        options={names}
        value={current.strategy}
        onValue={value('strategy')}
      />
      <SelectField
        label="market"
        name="symbol"
        options={symbols}
        value={current.symbol}
        onValue={(symbol) => {
          const interval =
            markets.find((market) => market.symbol === symbol)?.interval ?? current.interval;
          set({ symbol, interval });
        }}
      />
      <SelectField
        label="interval"
        name="interval"
        options={intervals}
        value={current.interval}
        onValue={value('interval')}
      />
      <label>
        from (UTC)
        <input
          name="from"
          type="datetime-local"
          value={current.from}
          onInput={text('from')}
          required
        />
      </label>
      <label>
        to (UTC)
        <input name="to" type="datetime-local" value={current.to} onInput={text('to')} required />
      </label>
      <NumberField
        label="starting cash"
        name="startingCash"
        min="1"
        value={current.startingCash}
        onValue={value('startingCash')}
      />
      <NumberField
        label="fee per side"
        name="feeRate"
        min="0"
        value={current.feeRate}
        onValue={value('feeRate')}
      />
      <NumberField
        label="slippage"
        name="slippage"
        min="0"
        value={current.slippage}
        onValue={value('slippage')}
      />
      <label>
        sizing
        <select
          name="sizing"
          value={current.sizing}
          onChange={(event) => set({ sizing: event.currentTarget.value as SizingKind })}
        >
          <option value="all-in">all-in</option>
          <option value="fraction">fraction of equity</option>
          <option value="volatility">volatility target</option>
        </select>
      </label>
      {current.sizing === 'fraction' ? (
        <NumberField
          label="fraction"
          name="fraction"
          min="0"
          max="1"
          value={current.fraction}
          onValue={value('fraction')}
        />
      ) : null}
      {current.sizing === 'volatility' ? (
        <>
          <NumberField
            label="target volatility"
            name="targetVolatility"
            min="0"
            value={current.targetVolatility}
            onValue={value('targetVolatility')}
          />
          <NumberField
            label="max fraction"
            name="maxFraction"
            min="0"
            max="1"
            value={current.maxFraction}
            onValue={value('maxFraction')}
          />
        </>
      ) : null}
      <div class="checks">
        <label title="When the strategy reads the model and stored predictions do not cover the range">
          <input
            type="checkbox"
            checked={current.walkForward}
            onChange={(event) => set({ walkForward: event.currentTarget.checked })}
          />
          walk-forward models
        </label>
      </div>
      <div>
        <button type="submit" class="primary" disabled={busy || !current.strategy}>
          Run backtest
        </button>
      </div>
      <FormError error={error} />
    </form>
  );
}
