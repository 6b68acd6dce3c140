import createFetchClient, { type Client } from 'openapi-fetch';
import { print, type GraphQLFormattedError } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { paths } from './generated/openapi';

export interface ClientOptions {
  /** Where the service answers, e.g. `http://localhost:3000`. */
  baseUrl: string;
  /** An API key (`npm run cli -- api-key create`); leave it out where PUBLIC_READ=true. */
  apiKey?: string;
  /** A fetch of your own (a proxy, a test double of the network); the global fetch by default. */
  fetch?: typeof globalThis.fetch;
}

/** What a GraphQL request over HTTP gives back: the data, or the errors the service reports. */
export type GraphQLResult<TData> =
  | { data: TData; errors?: undefined }
  | { data?: TData | null; errors: readonly GraphQLFormattedError[] };

/**
 * Every REST operation of `openapi.yaml`, typed by path and method (openapi-fetch): `data` is the
 * 2xx body, `error` the error body the contract documents for that operation, `response` the raw
 * answer. Plus `graphql()`, which sends a generated operation (`PredictDocument`, ...) to
 * `/graphql` and types its variables and data.
 */
export type ForecastClient = Client<paths> & {
  graphql<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    variables: TVariables,
  ): Promise<GraphQLResult<TData>>;
};

export function createClient(options: ClientOptions): ForecastClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const headers: Record<string, string> = options.apiKey ? { 'x-api-key': options.apiKey } : {};
  const rest = createFetchClient<paths>({ baseUrl, headers, fetch: fetchImpl });
  return Object.assign(rest, {
    async graphql<TData, TVariables extends Record<string, unknown>>(
      document: TypedDocumentNode<TData, TVariables>,
      variables: TVariables,
    ): Promise<GraphQLResult<TData>> {
      const response = await fetchImpl(`${baseUrl}/graphql`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query: print(document), variables }),
      });
      return (await response.json()) as GraphQLResult<TData>;
    },
  });
}
