/**
 * Styles of the backtest, strategy, paper, model, webhook and admin pages. They travel with those
 * pages' chunks (injected once on first import), so the markets and market pages load none of it.
 */
const CSS = `
.page-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.25rem 1rem; margin-bottom: 0.5rem; }
.page-head h1 { margin: 0; }
.stack { display: grid; gap: 1rem; min-width: 0; }
.stack > p { margin: 0; }
.stack > *, .grid-2 > * { min-width: 0; }
.grid-2 { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(min(100%, 26rem), 1fr)); }
.form { display: grid; gap: 0.6rem 1rem; grid-template-columns: repeat(auto-fill, minmax(min(100%, 12rem), 1fr)); align-items: end; }
.form label, .field { display: grid; gap: 0.2rem; font-size: 0.85rem; color: var(--muted); }
.form input, .form select, select { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--border); border-radius: var(--radius); padding: 0.3rem 0.5rem; min-width: 0; max-width: 100%; }
.form input, .form select { width: 100%; }
.form .wide { grid-column: 1 / -1; }
.form .checks { display: flex; flex-wrap: wrap; gap: 0.3rem 1rem; color: var(--fg); }
.form .checks label { display: inline-flex; gap: 0.3rem; align-items: center; color: var(--fg); }
.form .checks input { width: auto; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { color: var(--down); border-color: var(--down); }
.progress { height: 0.5rem; border-radius: 999px; background: var(--grid); overflow: hidden; min-width: 6rem; }
.progress > div { height: 100%; background: var(--accent); transition: width 0.3s; }
.equity-chart { height: 320px; border: 1px solid var(--border); border-radius: var(--radius); overflow: hidden; }
.equity-chart.short { height: 160px; }
.series-key { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; font-size: 0.85rem; margin: 0.3rem 0; }
.series-key i { display: inline-block; width: 1rem; height: 3px; vertical-align: middle; margin-right: 0.3rem; }
.rules { margin: 0.3rem 0; padding-left: 1.2rem; }
.rules li { margin: 0.15rem 0; }
.pill-list { display: flex; flex-wrap: wrap; gap: 0.3rem; }
.row-actions { display: flex; flex-wrap: wrap; gap: 0.3rem; align-items: center; }
.row-actions input.trials { width: 4.5rem; font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--border); border-radius: var(--radius); padding: 0.2rem 0.4rem; }
.selected > td { background: color-mix(in srgb, var(--accent) 8%, var(--bg)); }
.dialog-backdrop { position: fixed; inset: 0; z-index: 20; background: rgba(0, 0, 0, 0.45); display: flex; align-items: center; justify-content: center; padding: 1rem; }
.dialog { background: var(--bg); border: 1px solid var(--border); border-radius: var(--radius); padding: 1rem; width: min(36rem, 100%); max-height: 90vh; overflow: auto; }
.secret { display: flex; gap: 0.5rem; align-items: center; flex-wrap: wrap; margin: 0.5rem 0; }
.secret code { font-size: 0.95rem; padding: 0.3rem 0.5rem; overflow-wrap: anywhere; user-select: all; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 0.8rem; margin: 0; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; overflow-wrap: anywhere; }
.status-ok { color: var(--up); }
.status-bad { color: var(--down); }
table.compact td, table.compact th { padding: 0.25rem 0.4rem; font-size: 0.85rem; }
.scroll-x { overflow-x: auto; max-width: 100%; }
`;

let injected = false;

export function injectPageStyles(): void {
  if (injected) {
    return;
  }
  injected = true;
  const style = document.createElement('style');
  style.dataset.pages = '';
  style.textContent = CSS;
  document.head.appendChild(style);
}
