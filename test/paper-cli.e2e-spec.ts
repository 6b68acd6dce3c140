import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { api, type Schema } from './support/api';
import { openRecordedAccount, paperEnv } from './support/paper-books';
import { startTestApp, type TestApp } from './support/test-app';
import { testEnv } from './support/test-env';

const CLI = join(__dirname, '..', 'dist', 'src', 'cli.js');

/** The CLI's paper commands against the REST routes, on one account with recorded books. */
describe('paper accounts in the CLI', () => {
  let t: TestApp;
  let clientKey: string;
  let account: Schema<'PaperAccountDto'>;
  const env = paperEnv('papercli');
  const rest = (key: string) => api(t, { key });

  beforeAll(async () => {
    t = await startTestApp({ worker: true, env });
    ({ clientKey, account } = await openRecordedAccount(t, env.DATABASE_URL));
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  describe('the CLI', () => {
    /** Runs the built CLI against this suite's database. */
    function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
      if (!existsSync(CLI)) {
        throw new Error('dist/src/cli.js is missing: run `npm run build` first (npm test does)');
      }
      return new Promise((resolve) => {
        const child = spawn(process.execPath, [CLI, ...args], { env: testEnv(env) });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });
    }

    it('paper list and paper show print with --json what the REST routes answer', async () => {
      const list = await cli(['paper', 'list', '--json']);
      expect(list.code).toBe(0);
      expect(JSON.parse(list.stdout)).toEqual((await rest(clientKey).get('/paper-accounts')).body);

      const shown = await cli(['paper', 'show', account.name, '--json']);
      expect(shown.code).toBe(0);
      const { id } = account;
      expect(JSON.parse(shown.stdout)).toEqual({
        account: (await rest(clientKey).get(`/paper-accounts/${id}`)).body,
        positions: (await rest(clientKey).get(`/paper-accounts/${id}/positions`)).body,
        trades: (await rest(clientKey).get(`/paper-accounts/${id}/trades`)).body,
      });
      const byId = await cli(['paper', 'show', id, '--trades', '1']);
      expect(byId.code).toBe(0);
      expect(byId.stdout).toContain(`Paper account contract-forward (${id}), active`);
      expect(byId.stdout).toContain('Last 1 of 2 trades');

      const unknown = await cli(['paper', 'show', 'no-such-account']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('No paper account no-such-account');
    }, 60_000);
  });
});
