import { backtestResult, type Api, type Defaulted, type Schema } from './api';
import { waitFor } from './wait-for';

/** Creates a strategy a test needs (201 expected). */
export async function createStrategy(
  http: Api,
  name: string,
  definition: Record<string, unknown>,
): Promise<void> {
  expect((await http.post('/admin/strategies', { body: { name, definition } })).status).toBe(201);
}

/** A backtest's body once it completed, with its result typed (its error, if it failed). */
function completedBacktest(http: Api, id: string, what: string, timeoutMs: number) {
  return waitFor(
    async () => {
      const body = (await http.get(`/backtests/${id}`)).body;
      if (body.status === 'failed') {
        throw new Error(body.error ?? 'failed');
      }
      return body.status === 'completed' ? { ...body, result: backtestResult(body) } : undefined;
    },
    { what, timeoutMs },
  );
}

/** Starts a backtest (202 expected) and waits until it completed: its id and its body. */
export async function runBacktest(
  http: Api,
  params: { body: Defaulted<Schema<'CreateBacktestDto'>>; what: string; timeoutMs: number },
) {
  const started = await http.post('/backtests', { body: params.body });
  expect(started.status).toBe(202);
  const id = started.body.backtestId;
  return { id, backtest: await completedBacktest(http, id, params.what, params.timeoutMs) };
}

/** `oversold` as first created: an RSI rule that always fires, against the price above its EMA. */
export const OVERSOLD = {
  rules: [
    { label: 'RSI below 101', input: 'rsi', condition: { op: '<', value: 101 }, weight: 1 },
    {
      label: 'above the 20-EMA',
      input: 'priceVsEma',
      period: 20,
      condition: { op: '>', value: 0 },
      weight: -0.5,
    },
  ],
  thresholds: { buy: 0.4, sell: -0.4 },
};
