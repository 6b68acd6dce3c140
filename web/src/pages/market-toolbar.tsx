import { useState } from 'preact/hooks';
import type { IndicatorDescription } from '../api/types';
import { AdminAction } from '../components/admin-action';
import { setQuery } from '../router';
import { useSession } from '../session';
import { RANGES } from './market-loaders';

function IndicatorPicker({
  catalogue,
  selected,
  onChange,
}: {
  catalogue: IndicatorDescription[];
  selected: string[];
  onChange: (specs: string[]) => void;
}) {
  const [draft, setDraft] = useState('');
  const add = (event: Event) => {
    event.preventDefault();
    const spec = draft.trim();
    if (spec && !selected.includes(spec)) {
      onChange([...selected, spec]);
    }
    setDraft('');
  };
  return (
    <form class="indicator-picker" onSubmit={add}>
      {selected.map((spec) => (
        <span class="chip" key={spec}>
          {spec}
          <button
            type="button"
            aria-label={`Remove ${spec}`}
            onClick={() => onChange(selected.filter((each) => each !== spec))}
          >
            ×
          </button>
        </span>
      ))}
      <input
        list="indicator-catalogue"
        aria-label="Add an indicator (name:params)"
        placeholder="add indicator: bb:20,2"
        value={draft}
        onInput={(event) => setDraft(event.currentTarget.value)}
      />
      <datalist id="indicator-catalogue">
        {catalogue.map((description) => (
          <option key={description.name} value={description.defaultSpec}>
            {description.title}
          </option>
        ))}
      </datalist>
      <button type="submit" class="small">
        Add
      </button>
    </form>
  );
}

/** The market page's controls: interval, range and indicators (kept in the URL), training. */
export function MarketToolbar({
  symbol,
  interval,
  intervals,
  range,
  catalogue,
  indicatorSpecs,
}: {
  symbol: string;
  interval: string | null;
  /** The symbol's intervals, shortest first. */
  intervals: string[];
  range: string;
  catalogue: IndicatorDescription[];
  indicatorSpecs: string[];
}) {
  const { api } = useSession();
  return (
    <div class="toolbar">
      <div class="segmented" role="group" aria-label="Interval">
        {intervals.map((each) => (
          <button
            type="button"
            key={each}
            class={each === interval ? 'active' : ''}
            onClick={() => setQuery({ interval: each, range: null })}
          >
            {each}
          </button>
        ))}
      </div>
      <div class="segmented" role="group" aria-label="Range">
        {Object.keys(RANGES).map((each) => (
          <button
            type="button"
            key={each}
            class={each === range ? 'active' : ''}
            onClick={() => setQuery({ range: each })}
          >
            {each}
          </button>
        ))}
      </div>
      <IndicatorPicker
        catalogue={catalogue}
        selected={indicatorSpecs}
        onChange={(specs) => setQuery({ ind: specs.length > 0 ? specs : ['-'] })}
      />
      <span class="admin-controls">
        <AdminAction
          label="Train model"
          title={`POST /admin/models/train {symbol: ${symbol}, interval: ${interval}}`}
          run={async () => [
            (await api.post<{ jobId: string }>('/admin/models/train', { symbol, interval })).jobId,
          ]}
        />
      </span>
    </div>
  );
}
