import type { PerformanceMetrics, Trade } from '../api/types';
import { formatChange, formatPercent, formatPrice, formatTime } from '../format';

const ROWS: { key: keyof PerformanceMetrics; label: string; format: (value: number) => string }[] =
  [
    { key: 'finalEquity', label: 'final equity', format: formatPrice },
    { key: 'totalReturn', label: 'total return', format: (value) => formatChange(value) },
    { key: 'cagr', label: 'CAGR', format: (value) => formatChange(value) },
    { key: 'sharpe', label: 'Sharpe', format: (value) => value.toFixed(2) },
    { key: 'sortino', label: 'Sortino', format: (value) => value.toFixed(2) },
    { key: 'maxDrawdown', label: 'max drawdown', format: (value) => formatPercent(value, 1) },
    { key: 'winRate', label: 'win rate', format: (value) => formatPercent(value, 0) },
    { key: 'profitFactor', label: 'profit factor', format: (value) => value.toFixed(2) },
    { key: 'trades', label: 'trades', format: (value) => String(value) },
    { key: 'exposure', label: 'exposure', format: (value) => formatPercent(value, 0) },
    { key: 'feesPaid', label: 'fees paid', format: (value) => value.toFixed(2) },
  ];

/** Figures side by side: one column per source (strategy, buy-and-hold, backtest...). */
export function MetricsTable({
  columns,
  testId,
}: {
  columns: { label: string; metrics: PerformanceMetrics | null | undefined }[];
  testId?: string;
}) {
  const shown = columns.filter((column) => column.metrics);
  return (
    <table class="compact" data-testid={testId}>
      <thead>
        <tr>
          <th />
          {shown.map((column) => (
            <th key={column.label} class="num">
              {column.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {ROWS.map((row) => (
          <tr key={row.key}>
            <td>{row.label}</td>
            {shown.map((column) => {
              const value = column.metrics?.[row.key];
              return (
                <td key={column.label} class="num">
                  {typeof value === 'number' && Number.isFinite(value) ? row.format(value) : '–'}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Round trips (backtests and paper accounts), in order. */
export function TradesTable({ trades }: { trades: Trade[] }) {
  if (trades.length === 0) {
    return <p class="muted">No trades.</p>;
  }
  return (
    <div class="scroll-x">
      <table class="compact responsive" data-testid="trades">
        <thead>
          <tr>
            {trades.some((trade) => 'symbol' in trade) ? <th>market</th> : null}
            <th>entry</th>
            <th class="num">entry price</th>
            <th>exit</th>
            <th class="num">exit price</th>
            <th class="num">quantity</th>
            <th class="num">fees</th>
            <th class="num">profit</th>
            <th class="num">return</th>
            <th>reason</th>
          </tr>
        </thead>
        <tbody>
          {trades.map((trade, index) => (
            <tr key={index}>
              {'symbol' in trade ? <td data-label="market">{trade.symbol}</td> : null}
              <td data-label="entry">{formatTime(trade.entryTime)}</td>
              <td data-label="entry price" class="num">
                {formatPrice(trade.entryPrice)}
              </td>
              <td data-label="exit">{formatTime(trade.exitTime)}</td>
              <td data-label="exit price" class="num">
                {formatPrice(trade.exitPrice)}
              </td>
              <td data-label="quantity" class="num">
                {trade.quantity.toPrecision(4)}
              </td>
              <td data-label="fees" class="num">
                {formatPrice(trade.fees)}
              </td>
              <td data-label="profit" class={`num ${trade.profit >= 0 ? 'up' : 'down'}`}>
                {formatPrice(trade.profit)}
              </td>
              <td data-label="return" class={`num ${trade.returnPct >= 0 ? 'up' : 'down'}`}>
                {formatChange(trade.returnPct)}
              </td>
              <td data-label="reason">{trade.exitReason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
