import { useState } from 'preact/hooks';
import type { Market, PaperAccount, SizingKind, Strategy } from '../api/types';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/hooks';
import { useSession } from '../session';

function OpenAccountForm({ onOpened }: { onOpened: (account: PaperAccount) => void }) {
  const { api } = useSession();
  const inputs = useAsync(
    async (signal) => {
      const [strategies, markets] = await Promise.all([
        api.get<Strategy[]>('/strategies', {}, signal),
        api.get<Market[]>('/markets', {}, signal),
      ]);
      return { strategies, markets };
    },
    [api],
  );
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [strategy, setStrategy] = useState('');
  const [symbols, setSymbols] = useState<string[]>([]);
  const [interval, setInterval] = useState('');
  const [startingCash, setStartingCash] = useState('10000');
  const [feeRate, setFeeRate] = useState('0.001');
  const [slippage, setSlippage] = useState('0');
  const [sizing, setSizing] = useState<SizingKind | ''>('');
  const [fraction, setFraction] = useState('0.5');
  const [error, setError] = useState<unknown>(null);
  if (!open) {
    return (
      <button type="button" class="small" data-admin onClick={() => setOpen(true)}>
        Open a paper account…
      </button>
    );
  }
  const strategies = [...new Set((inputs.data?.strategies ?? []).map((each) => each.name))];
  const markets = inputs.data?.markets ?? [];
  const allSymbols = [...new Set(markets.map((each) => each.symbol))];
  const intervals = [...new Set(markets.map((each) => each.interval))];
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const account = await api.post<PaperAccount>('/admin/paper-accounts', {
        name: name.trim(),
        strategy: strategy || strategies[0],
        markets: symbols.length > 0 ? symbols : allSymbols.slice(0, 1),
        interval: interval || intervals[0],
        startingCash: Number(startingCash),
        feeRate: Number(feeRate),
        slippage: Number(slippage),
        ...(sizing === 'fraction'
          ? { sizing: { kind: 'fraction', fraction: Number(fraction) } }
          : sizing
            ? { sizing: { kind: sizing } }
            : {}),
      });
      setOpen(false);
      onOpened(account);
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <form class="form" data-admin onSubmit={(event) => void submit(event)}>
      <ErrorBox error={inputs.error} />
      <label>
        name
        <input required value={name} onInput={(event) => setName(event.currentTarget.value)} />
      </label>
      <label>
        strategy
        <select value={strategy} onChange={(event) => setStrategy(event.currentTarget.value)}>
          {strategies.map((each) => (
            <option key={each} value={each}>
              {each}
            </option>
          ))}
        </select>
      </label>
      <div class="field">
        markets (equal shares)
        <div class="checks">
          {allSymbols.map((symbol) => (
            <label key={symbol}>
              <input
                type="checkbox"
                checked={symbols.includes(symbol)}
                onChange={(event) =>
                  setSymbols(
                    event.currentTarget.checked
                      ? [...symbols, symbol]
                      : symbols.filter((each) => each !== symbol),
                  )
                }
              />
              {symbol}
            </label>
          ))}
        </div>
      </div>
      <label>
        interval
        <select value={interval} onChange={(event) => setInterval(event.currentTarget.value)}>
          {intervals.map((each) => (
            <option key={each} value={each}>
              {each}
            </option>
          ))}
        </select>
      </label>
      <label>
        starting cash
        <input
          type="number"
          min="1"
          step="any"
          value={startingCash}
          onInput={(event) => setStartingCash(event.currentTarget.value)}
        />
      </label>
      <label>
        fee per side
        <input
          type="number"
          min="0"
          step="any"
          value={feeRate}
          onInput={(event) => setFeeRate(event.currentTarget.value)}
        />
      </label>
      <label>
        slippage
        <input
          type="number"
          min="0"
          step="any"
          value={slippage}
          onInput={(event) => setSlippage(event.currentTarget.value)}
        />
      </label>
      <label>
        sizing
        <select
          value={sizing}
          onChange={(event) => setSizing(event.currentTarget.value as SizingKind | '')}
        >
          <option value="">the strategy's</option>
          <option value="all-in">all-in</option>
          <option value="fraction">fraction of equity</option>
          <option value="volatility">volatility target</option>
        </select>
      </label>
      {sizing === 'fraction' ? (
        <label>
          fraction
          <input
            type="number"
            min="0"
            max="1"
            step="any"
            value={fraction}
            onInput={(event) => setFraction(event.currentTarget.value)}
          />
        </label>
      ) : null}
      <div class="row-actions">
        <button type="submit" class="primary">
          Open account
        </button>
        <button type="button" class="ghost" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
      <div class="wide">
        <ErrorBox error={error} />
      </div>
    </form>
  );
}

/** Admin only: a button that unfolds the form opening a paper account. */
export function OpenAccountFormIfAdmin(props: { onOpened: (account: PaperAccount) => void }) {
  const { isAdmin } = useSession();
  return isAdmin ? <OpenAccountForm {...props} /> : null;
}
