/**
 * The browser side of /graphiql: GraphiQL (its UMD build, on React 18's) rendered with a fetcher
 * that sends queries and mutations over HTTP and subscriptions over graphql-transport-ws, both
 * with the headers of GraphiQL's headers editor (a websocket takes them as its `connection_init`
 * payload). The editor starts with the key the dashboard signed in with, if any (same origin,
 * `sessionStorage['cft.apiKey']`). Plain ES2020 for the browser; no build step.
 */
export const GRAPHIQL_CLIENT_SCRIPT = `(() => {
  'use strict';
  const httpUrl = new URL('/graphql', location.href).href;
  const wsUrl = httpUrl.replace(/^http/, 'ws');
  const key = sessionStorage.getItem('cft.apiKey');
  const httpFetcher = GraphiQL.createFetcher({ url: httpUrl });

  const operationOf = (params, options) => {
    const definitions = (options && options.documentAST && options.documentAST.definitions) || [];
    const operations = definitions.filter((definition) => definition.kind === 'OperationDefinition');
    const chosen = params.operationName
      ? operations.find((operation) => operation.name && operation.name.value === params.operationName)
      : operations[0];
    return chosen ? chosen.operation : 'query';
  };

  /** What graphql-ws hands an error sink: an Error, the GraphQL errors, or the socket's CloseEvent. */
  const asError = (reason) => {
    if (reason instanceof Error) {
      return reason;
    }
    if (Array.isArray(reason)) {
      return new Error(reason.map((error) => error.message).join('; '));
    }
    if (reason && typeof reason.code === 'number') {
      return new Error('The subscription socket closed: ' + reason.code + (reason.reason ? ' ' + reason.reason : ''));
    }
    return new Error(String(reason));
  };

  /** An Observable (what GraphiQL takes for subscriptions) over one graphql-ws connection. */
  const subscribe = (params, headers) => ({
    subscribe(observer) {
      const client = graphqlWs.createClient({
        url: wsUrl,
        connectionParams: headers,
        lazy: false,
        retryAttempts: 0,
        onNonLazyError: (reason) => observer.error(asError(reason)),
      });
      const dispose = client.subscribe(params, {
        next: (value) => observer.next(value),
        error: (reason) => observer.error(asError(reason)),
        complete: () => observer.complete(),
      });
      return {
        unsubscribe() {
          dispose();
          void client.dispose();
        },
      };
    },
  });

  const fetcher = (params, options) =>
    operationOf(params, options) === 'subscription'
      ? subscribe(params, (options && options.headers) || {})
      : httpFetcher(params, options);

  const defaultQuery = [
    '# crypto-freq-trade GraphQL. Send your API key in Headers (below) as {"x-api-key": "<key>"};',
    '# the Docs button (top left) lists every query, mutation and subscription.',
    'query Markets {',
    '  markets {',
    '    symbol',
    '    interval',
    '    count',
    '    lastOpenTime',
    '  }',
    '}',
    '',
  ].join('\\n');

  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultQuery,
      defaultHeaders: key ? JSON.stringify({ 'x-api-key': key }, null, 2) : undefined,
      defaultEditorToolsVisibility: key ? 'headers' : false,
      shouldPersistHeaders: false,
    }),
  );
})();
`;

/** The page itself: every asset from this service, nothing from a CDN. */
export function graphiqlHtml(assetUrls: { styles: string; scripts: string[] }): string {
  const scripts = assetUrls.scripts.map((src) => `    <script src="${src}"></script>`).join('\n');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>GraphiQL · crypto-freq-trade</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="${assetUrls.styles}" />
    <style>
      body { margin: 0; }
      #graphiql { height: 100dvh; }
    </style>
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
${scripts}
  </body>
</html>
`;
}
