import request, { type Response } from 'supertest';
import type { components, paths } from '../../clients/typescript/src/generated/openapi';
import type { JobName, JobResults } from '../../src/queue/queue.catalogue';
import type { PerformanceMetrics } from '../../src/strategy/engine/backtest';
import { waitFor } from './wait-for';

/**
 * A typed REST client for the e2e tests, on supertest (so every call goes through the real HTTP
 * stack and the contract check of test-app.ts sees it) and on the types generated from
 * openapi.yaml. A call names the concrete path, as a request would (`/models/${id}?symbol=BTC`);
 * its type is matched against the documented paths (`/models/{id}`), so a path the contract does
 * not have does not compile, and `body` is typed as that operation's 2xx answer. `errorBody` is the
 * same body as the contract's ErrorResponse, for answers of 400 and up.
 */

export type ErrorResponse = components['schemas']['ErrorResponse'];
export type Schema<Name extends keyof components['schemas']> = components['schemas'][Name];

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** The documented paths that have an operation for `M`. */
type PathOf<M extends Method> = {
  [P in keyof paths]: [NonNullable<paths[P][M]>] extends [never] ? never : P;
}[keyof paths];

type Segments<Path extends string> = Path extends `${infer Head}/${infer Rest}`
  ? [Head, ...Segments<Rest>]
  : [Path];
type SegmentFits<
  Concrete extends string,
  Documented extends string,
> = Documented extends `{${string}}`
  ? Concrete extends ''
    ? false
    : true
  : Concrete extends Documented
    ? true
    : false;
/** Whether concrete segments fit documented ones (`{id}` takes any one non-empty segment). */
type SegmentsFit<Concrete extends string[], Documented extends string[]> = Concrete extends [
  infer Head extends string,
  ...infer Rest extends string[],
]
  ? Documented extends [infer Template extends string, ...infer Others extends string[]]
    ? SegmentFits<Head, Template> extends true
      ? SegmentsFit<Rest, Others>
      : false
    : false
  : Documented extends []
    ? true
    : false;
type WithoutQuery<Path extends string> = Path extends `${infer Base}?${string}` ? Base : Path;
/** The documented path a concrete one is a request to (the exact one first). */
type DocumentedPath<M extends Method, Path extends string> =
  WithoutQuery<Path> extends PathOf<M>
    ? WithoutQuery<Path>
    : {
        [P in PathOf<M>]: SegmentsFit<Segments<WithoutQuery<Path>>, Segments<P>> extends true
          ? P
          : never;
      }[PathOf<M>];
type Operation<M extends Method, Path extends string> = NonNullable<
  paths[DocumentedPath<M, Path>][M]
>;
type Pattern<Path extends string> = Path extends `${infer Head}{${string}}${infer Rest}`
  ? `${Head}${string}${Pattern<Rest>}`
  : Path;
/** The concrete paths a call may name for `M` (a path the contract does not have does not compile). */
type Documented<M extends Method> = Pattern<PathOf<M>> | `${Pattern<PathOf<M>>}?${string}`;

type QueryOf<Op> = Op extends { parameters: { query?: infer Values } } ? Values : never;
type JsonBody<Answer> = Answer extends { content: { 'application/json': infer Body } }
  ? Body
  : Answer extends { content: Record<string, infer Body> }
    ? Body
    : undefined;
type SuccessStatus = 200 | 201 | 202 | 204;
/** The body of the operation's 2xx answers. */
type SuccessBody<Op> = Op extends { responses: infer Answers }
  ? { [S in keyof Answers & SuccessStatus]: JsonBody<Answers[S]> }[keyof Answers & SuccessStatus]
  : never;
type RequestBody<Op> = Op extends { requestBody?: { content: { 'application/json': infer Body } } }
  ? Body
  : never;

type ApiResponse<Op> = Omit<Response, 'body'> & {
  body: SuccessBody<Op>;
  /** The body as the contract's error shape; throws when the answer is not an error. */
  readonly errorBody: ErrorResponse;
};

interface RequestOptions<Op> {
  query?: QueryOf<Op>;
  /** A query outside the contract, sent on purpose (what the service does with bad input). */
  rawQuery?: Record<string, string | number>;
  /** The x-api-key header; the client's default key unless given (`null`: none). */
  key?: string | null;
  headers?: Record<string, string>;
  /** A body outside the contract, sent on purpose (what the service does with bad input). */
  rawBody?: unknown;
}
/** Fields with a default may be left out (the generated types list them as required). */
export type Defaulted<T> = T extends (infer Item)[]
  ? Defaulted<Item>[]
  : T extends object
    ? { [K in keyof T]?: Defaulted<T[K]> }
    : T;
type SendOptions<Op> = RequestOptions<Op> & { body?: Defaulted<RequestBody<Op>> };

export interface Api {
  get<Path extends Documented<'get'>>(
    path: Path,
    options?: RequestOptions<Operation<'get', Path>>,
  ): Promise<ApiResponse<Operation<'get', Path>>>;
  delete<Path extends Documented<'delete'>>(
    path: Path,
    options?: RequestOptions<Operation<'delete', Path>>,
  ): Promise<ApiResponse<Operation<'delete', Path>>>;
  post<Path extends Documented<'post'>>(
    path: Path,
    options?: SendOptions<Operation<'post', Path>>,
  ): Promise<ApiResponse<Operation<'post', Path>>>;
  put<Path extends Documented<'put'>>(
    path: Path,
    options?: SendOptions<Operation<'put', Path>>,
  ): Promise<ApiResponse<Operation<'put', Path>>>;
  patch<Path extends Documented<'patch'>>(
    path: Path,
    options?: SendOptions<Operation<'patch', Path>>,
  ): Promise<ApiResponse<Operation<'patch', Path>>>;
}

/**
 * The error body of any supertest response, typed as the contract's ErrorResponse (for requests
 * sent outside the typed client on purpose: malformed bodies, odd headers); throws when the answer
 * is not an error.
 */
export function errorOf(response: Response): ErrorResponse {
  return withErrorBody(response).errorBody;
}

/** Adds `errorBody` to a supertest response. */
function withErrorBody<Op>(response: Response): ApiResponse<Op> {
  if ('errorBody' in response) {
    return response as unknown as ApiResponse<Op>;
  }
  return Object.defineProperty(response, 'errorBody', {
    get(this: Response): ErrorResponse {
      if (this.status < 400) {
        throw new Error(`Expected an error answer, got ${this.status}: ${this.text}`);
      }
      return this.body as ErrorResponse;
    },
  }) as unknown as ApiResponse<Op>;
}

/**
 * A client for the app at `target` (a TestApp or a base URL); `key` is the API key sent unless a
 * call says otherwise.
 */
export function api(target: { url: string } | string, defaults: { key?: string } = {}): Api {
  const baseUrl = typeof target === 'string' ? target : target.url;
  const call = async (
    method: Method,
    path: string,
    options: {
      query?: object;
      rawQuery?: object;
      key?: string | null;
      headers?: Record<string, string>;
      body?: unknown;
      rawBody?: unknown;
    } = {},
  ) => {
    let pending = request(baseUrl)[method](path);
    const query = options.query ?? options.rawQuery;
    if (query) {
      pending = pending.query(query);
    }
    const key = options.key === undefined ? defaults.key : options.key;
    if (key) {
      pending = pending.set('x-api-key', key);
    }
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      pending = pending.set(name, value);
    }
    const body = options.body ?? options.rawBody;
    if (body !== undefined) {
      pending = pending.send(body as object);
    }
    return withErrorBody(await pending);
  };
  return {
    get: (path, options) => call('get', path, options),
    delete: (path, options) => call('delete', path, options),
    post: (path, options) => call('post', path, options),
    put: (path, options) => call('put', path, options),
    patch: (path, options) => call('patch', path, options),
  };
}

/**
 * What a job returned (`GET /jobs/{id}` leaves `result` free-form), typed by the job catalogue
 * after checking the job is the one expected.
 */
export function jobResult<Name extends JobName>(
  job: Schema<'JobDto'>,
  name: Name,
): JobResults[Name] {
  if (job.name !== name || job.result === undefined || job.result === null) {
    throw new Error(`Expected a finished ${name} job, got ${job.name} in state ${job.state}`);
  }
  return job.result as unknown as JobResults[Name];
}

/**
 * Polls `GET /jobs/{id}` until the job is in `state` (default `completed`): the job as then read.
 * A job that failed while another state is awaited is reported, with its error, when the wait
 * times out.
 */
export function jobInState(
  http: Api,
  jobId: string,
  state: Schema<'JobDto'>['state'] = 'completed',
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<Schema<'JobDto'>> {
  return waitFor(
    async () => {
      const job = (await http.get(`/jobs/${jobId}`)).body;
      if (job.state === 'failed' && state !== 'failed') {
        throw new Error(`job ${jobId} failed: ${job.error}`);
      }
      return job.state === state ? job : undefined;
    },
    { what: `job ${jobId} to be ${state}`, ...options },
  );
}

/** Creates a client key named `name` with the admin client `http` (201 expected): its secret. */
export async function createClientKey(http: Api, name: string): Promise<string> {
  const created = await http.post('/admin/api-keys', { body: { name, role: 'client' } });
  expect(created.status).toBe(201);
  return created.body.key;
}

/** The refused fields of a VALIDATION_FAILED answer (`details` of the ErrorResponse). */
export function fieldProblems(error: ErrorResponse): Schema<'FieldProblem'>[] {
  if (!Array.isArray(error.details)) {
    throw new Error(`Expected field problems, got ${JSON.stringify(error)}`);
  }
  return error.details;
}

/** What a completed backtest stores in `result` (free-form in the contract). */
export interface StoredBacktestResult {
  strategy: PerformanceMetrics;
  buyAndHold: PerformanceMetrics;
  candles: number;
  predictionsUsed: number;
  predictionsStored: number;
  predictionsGenerated: number;
  walkForwardBlocks: { trainedThrough: number; predictsFrom: number; predictsTo: number }[];
  strategyVersion: number;
}

/** A completed backtest's result, typed (throws when the backtest has none yet). */
export function backtestResult(backtest: Schema<'BacktestDto'>): StoredBacktestResult {
  if (!backtest.result) {
    throw new Error(`Backtest ${backtest.id} has no result (${backtest.status})`);
  }
  return backtest.result as unknown as StoredBacktestResult;
}
