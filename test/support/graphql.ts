import request, { type Response } from 'supertest';

/** A GraphQL error as the service formats it (the error filter's code and details in extensions). */
interface GraphQLErrorBody {
  message: string;
  path?: (string | number)[];
  locations?: { line: number; column: number }[];
  extensions?: {
    code?: string;
    details?: { field: string; problem: string }[];
    [key: string]: unknown;
  };
}

/** A GraphQL answer; `TData` is the shape the query selects (the schema types it, the test says which). */
export interface GraphQLBody<TData> {
  data?: TData | null;
  errors?: GraphQLErrorBody[];
}

export type GraphQLResponse<TData> = Omit<Response, 'body'> & { body: GraphQLBody<TData> };

/**
 * POSTs a GraphQL operation to `/graphql` of the app at `target` (a TestApp or a base URL), through
 * the real HTTP stack, with `key` as x-api-key when given.
 */
export async function graphql<TData = Record<string, unknown>>(
  target: { url: string } | string,
  operation: { query: string; variables?: Record<string, unknown>; operationName?: string },
  options: { key?: string; headers?: Record<string, string> } = {},
): Promise<GraphQLResponse<TData>> {
  let pending = request(typeof target === 'string' ? target : target.url).post('/graphql');
  if (options.key) {
    pending = pending.set('x-api-key', options.key);
  }
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    pending = pending.set(name, value);
  }
  return await pending.send(operation);
}

/** The GraphQL answer of a request sent outside `graphql()` on purpose (a raw or malformed body). */
export function graphqlBodyOf<TData = Record<string, unknown>>(
  response: Response,
): GraphQLBody<TData> {
  return response.body as GraphQLBody<TData>;
}
