/** Topics of the in-process GraphQL pub/sub, one per event kind and market. */
export const liveTopics = {
  signalCreated: (symbol: string) => `signalCreated:${symbol}`,
  predictionUpdated: (symbol: string) => `predictionUpdated:${symbol}`,
  candleClosed: (symbol: string, interval: string) => `candleClosed:${symbol}:${interval}`,
  /** One account's filled paper orders, or (null) every account's. */
  paperTradeExecuted: (accountId: string | null) =>
    accountId === null ? 'paperTradeExecuted' : `paperTradeExecuted:${accountId}`,
};
