import { render } from 'preact';
import { App } from './app';
import { SessionProvider } from './session';
import './styles.css';

const root = document.getElementById('app');
if (root) {
  render(
    <SessionProvider>
      <App />
    </SessionProvider>,
    root,
  );
}
