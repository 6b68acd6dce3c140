import { useState } from 'preact/hooks';
import type { PaperAccount, SizingKind } from '../api/types';
import { CheckboxGroup } from '../components/checkbox-group';
import { ErrorBox, FormError } from '../components/error-box';
import { useStrategiesAndMarkets } from '../components/hooks';
import { NumberField } from '../components/number-field';
import { SelectField } from '../components/select-field';
import { useSession } from '../session';

function OpenAccountForm({ onOpened }: { onOpened: (account: PaperAccount) => void }) {
  const { api } = useSession();
  const inputs = useStrategiesAndMarkets();
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
      <SelectField label="strategy" options={strategies} value={strategy} onValue={setStrategy} />
      <CheckboxGroup
        title="markets (equal shares)"
        options={allSymbols}
        selected={symbols}
        onChange={setSymbols}
      />
      <SelectField label="interval" options={intervals} value={interval} onValue={setInterval} />
      <NumberField label="starting cash" min="1" value={startingCash} onValue={setStartingCash} />
      <NumberField label="fee per side" min="0" value={feeRate} onValue={setFeeRate} />
      <NumberField label="slippage" min="0" value={slippage} onValue={setSlippage} />
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
        <NumberField label="fraction" min="0" max="1" value={fraction} onValue={setFraction} />
      ) : null}
      <div class="row-actions">
        <button type="submit" class="primary">
          Open account
        </button>
        <button type="button" class="ghost" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
      <FormError error={error} />
    </form>
  );
}

/** Admin only: a button that unfolds the form opening a paper account. */
export function OpenAccountFormIfAdmin(props: { onOpened: (account: PaperAccount) => void }) {
  const { isAdmin } = useSession();
  return isAdmin ? <OpenAccountForm {...props} /> : null;
}
