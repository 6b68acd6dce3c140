import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { parse } from 'yaml';
import { renderContracts } from '../src/cli/render-contracts';
import { AppConfig } from '../src/config/app-config';
import { testEnv } from './support/test-env';

const ROOT = join(__dirname, '..');
const run = promisify(execFile);

/** Runs a generator's CLI (both are ES modules, which this CommonJS test cannot load). */
async function generate(cli: string, args: string[], cwd: string): Promise<string> {
  const { stdout, stderr } = await run(
    process.execPath,
    [join(ROOT, 'node_modules', cli), ...args],
    {
      cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      timeout: 60_000,
    },
  );
  return `${stdout}\n${stderr}`;
}

/**
 * What a bot author writes against openapi-fetch: read the forecast, or the error's code and
 * message, of two operations. Compiled with `tsc --strict` against the generated types.
 */
const BOT = `
import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

type ErrorCode = components['schemas']['ErrorResponse']['code'];
const client = createClient<paths>({ baseUrl: 'http://127.0.0.1:3000', headers: { 'x-api-key': 'cft_x' } });

export async function forecast(symbol: string): Promise<string> {
  const { data, error, response } = await client.GET('/predict/{symbol}', { params: { path: { symbol } } });
  if (error) {
    const code: ErrorCode = error.code;
    const status: number = error.statusCode;
    return \`\${status} \${code}: \${error.message} (request \${error.requestId}, \${response.headers.get('retry-after') ?? 'no retry-after'})\`;
  }
  return data.predictedClose.toFixed(2);
}

export async function subscribe(url: string): Promise<string> {
  const { data, error } = await client.POST('/webhooks', { body: { url, events: ['signal.created'] } });
  if (error) {
    const fields = Array.isArray(error.details) ? error.details.map((problem) => \`\${problem.field} \${problem.problem}\`) : [];
    // @ts-expect-error: not a field of the error envelope (error is typed, not any)
    void error.stack;
    return \`\${error.code}: \${error.message} \${fields.join('; ')}\`;
  }
  return data.secret;
}
`;

/** `tsc --strict` over the bot of each directory, in one program; the diagnostics per directory. */
function compile(dirs: string[]): string[][] {
  const program = ts.createProgram(
    dirs.map((dir) => join(dir, 'bot.ts')),
    {
      strict: true,
      noUncheckedIndexedAccess: true,
      noEmit: true,
      // The generated schema.ts and the bot are checked; the libraries' own .d.ts files are not.
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: [],
    },
  );
  const diagnostics = ts.getPreEmitDiagnostics(program);
  return dirs.map((dir) =>
    diagnostics
      .filter((diagnostic) => !diagnostic.file || diagnostic.file.fileName.startsWith(dir))
      .map(
        (diagnostic) =>
          `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`,
      ),
  );
}

/** openapi-typescript's types for `document`, next to the bot. */
async function generateTypes(document: object, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'openapi.json'), JSON.stringify(document));
  await generate('openapi-typescript/bin/cli.js', ['openapi.json', '--output', 'schema.ts'], dir);
  await writeFile(join(dir, 'bot.ts'), BOT);
}

describe('clients generated from openapi.yaml', () => {
  let workDir: string;
  let document: { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  let yamlPath: string;

  beforeAll(async () => {
    // Inside the repository, so the generated code resolves openapi-fetch from its node_modules.
    await mkdir(join(ROOT, 'node_modules', '.cache'), { recursive: true });
    workDir = await mkdtemp(join(ROOT, 'node_modules', '.cache', 'openapi-clients-'));
    const { openapi } = await renderContracts(AppConfig.fromEnv(testEnv()));
    yamlPath = join(workDir, 'openapi.yaml');
    await writeFile(yamlPath, openapi);
    document = parse(openapi) as typeof document;
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('openapi-typescript + openapi-fetch: error.code and error.message compile under tsc --strict', async () => {
    // The same bot against the document without its error responses: what clients got before.
    const withoutErrors = structuredClone(document);
    for (const item of Object.values(withoutErrors.paths)) {
      for (const operation of Object.values(item)) {
        for (const status of Object.keys(operation.responses)) {
          if (Number(status) >= 400) {
            delete operation.responses[status];
          }
        }
      }
    }
    const dir = join(workDir, 'openapi-typescript');
    const before = join(workDir, 'without-errors');
    await Promise.all([generateTypes(document, dir), generateTypes(withoutErrors, before)]);
    const [now, earlier] = compile([dir, before]);
    expect(now).toEqual([]);
    expect(earlier?.join('\n')).toMatch(/TS2339: Property 'code' does not exist on type 'never'/);
  });

  it('@hey-api/openapi-ts generates a client without a warning', async () => {
    const output = join(workDir, 'hey-api');
    const log = await generate(
      '@hey-api/openapi-ts/bin/run.js',
      [
        '--input',
        yamlPath,
        '--output',
        output,
        '--client',
        '@hey-api/client-fetch',
        '--no-log-file',
      ],
      workDir,
    );
    expect(log).toContain('Done!');
    expect(log.split('\n').filter((line) => /warn|⚠|error/i.test(line))).toEqual([]);
    const types = await readFile(join(output, 'types.gen.ts'), 'utf8');
    expect(types).toMatch(/export type ModelsPredictErrors = \{[^}]*503: ErrorResponse;/s);
  });
});
