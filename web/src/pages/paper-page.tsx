import type { PaperAccount } from '../api/types';
import { ErrorBox } from '../components/error-box';
import { useAsync } from '../components/hooks';
import { injectPageStyles } from '../components/page-styles';
import { formatChange, formatPrice } from '../format';
import { setQuery } from '../router';
import type { PageProps } from '../routes';
import { useSession } from '../session';
import { AccountDetail } from './paper-account-detail';
import { OpenAccountFormIfAdmin } from './paper-account-form';

injectPageStyles();

/** Paper accounts: their figures next to buy-and-hold and the backtest, equity, trades. */
export default function PaperPage({ query }: PageProps) {
  const { api } = useSession();
  const accounts = useAsync<PaperAccount[]>(
    (signal) => api.get('/paper-accounts', {}, signal),
    [api],
  );
  const list = accounts.data ?? [];
  const selected = query.get('id') ?? list[list.length - 1]?.id ?? null;
  return (
    <div class="stack">
      <section class="panel">
        <div class="page-head">
          <h1>Paper accounts</h1>
          <span class="muted small">Strategies following live signals with simulated fills</span>
        </div>
        <OpenAccountFormIfAdmin
          onOpened={(account) => {
            accounts.reload();
            setQuery({ id: account.id });
          }}
        />
        <ErrorBox error={accounts.error} />
        <div class="scroll-x">
          <table class="compact responsive" data-testid="paper-accounts">
            <thead>
              <tr>
                <th>account</th>
                <th>strategy</th>
                <th>markets</th>
                <th>status</th>
                <th class="num">equity</th>
                <th class="num">return</th>
                <th class="num">trades</th>
              </tr>
            </thead>
            <tbody>
              {list.map((account) => (
                <tr
                  key={account.id}
                  class={account.id === selected ? 'selected' : ''}
                  data-account={account.name}
                >
                  <td data-label="account">
                    <button
                      type="button"
                      class="ghost small"
                      onClick={() => setQuery({ id: account.id })}
                    >
                      {account.name}
                    </button>
                  </td>
                  <td data-label="strategy">
                    {account.strategy.name} v{account.strategy.version}
                  </td>
                  <td data-label="markets">
                    {account.markets.join(', ')} {account.interval}
                  </td>
                  <td data-label="status">{account.status}</td>
                  <td data-label="equity" class="num">
                    {formatPrice(account.metrics.finalEquity)}
                  </td>
                  <td
                    data-label="return"
                    class={`num ${account.metrics.totalReturn >= 0 ? 'up' : 'down'}`}
                  >
                    {formatChange(account.metrics.totalReturn)}
                  </td>
                  <td data-label="trades" class="num">
                    {account.metrics.trades}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {accounts.data && list.length === 0 ? <p class="muted">No paper accounts yet.</p> : null}
      </section>
      {selected ? <AccountDetail key={selected} id={selected} onChanged={accounts.reload} /> : null}
    </div>
  );
}
