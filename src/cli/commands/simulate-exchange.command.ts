import type { Command } from 'commander';
import { ExchangeSimulator } from '../../simulator/exchange-simulator';
import { simulatedMarkets } from '../../simulator/simulated-markets';
import type { CliCommand } from '../cli-command';
import { splitList } from '../options';

interface SimulateExchangeOptions {
  port: string;
  host: string;
  symbols: string;
  quote: string;
  intervals: string;
  historyDays: string;
  seed: string;
  speed: string;
  start?: string;
  replay?: string[];
  weightLimit: string;
  momentum: string;
}

/** `simulate-exchange`: an ExchangeSimulator until SIGINT or SIGTERM (no database, no services). */
export class SimulateExchangeCommand implements CliCommand {
  register(parent: Command): void {
    parent
      .command('simulate-exchange')
      .description(
        'Run a simulated Binance (REST + kline websocket) with generated or replayed candles',
      )
      .option('--port <port>', 'port to listen on', '9400')
      .option('--host <host>', 'address to listen on', '127.0.0.1')
      .option('--symbols <list>', 'base assets', 'BTC,ETH,SOL,ADA')
      .option('--quote <asset>', 'quote asset', 'USDT')
      .option('--intervals <list>', 'intervals', '1m,1h')
      .option('--history-days <days>', 'days of generated history before now', '30')
      .option('--seed <seed>', 'seed of the generated candles', 'demo')
      .option('--speed <factor>', 'simulated ms per real ms for the live stream', '1')
      .option('--start <time>', 'simulated time at start (ISO-8601; default now)')
      .option(
        '--replay <spec...>',
        'PAIR:INTERVAL:CSV_PATH to replay a file (open_time_ms,open,high,low,close,volume)',
      )
      .option('--weight-limit <weight>', 'request weight per minute before 429 / 418', '6000')
      .option(
        '--momentum <factor>',
        'trend persistence of generated candles (0 = none, as real markets)',
        '0',
      )
      .action((options: SimulateExchangeOptions) => this.run(options));
  }

  async run(options: SimulateExchangeOptions): Promise<void> {
    const startTime = options.start ? Date.parse(String(options.start)) : Date.now();
    const origin = startTime - Number(options.historyDays) * 86_400_000;
    const simulator = await ExchangeSimulator.start({
      port: Number(options.port),
      host: String(options.host),
      speed: Number(options.speed),
      startTime,
      weightLimitPerMinute: Number(options.weightLimit),
      markets: simulatedMarkets({
        bases: splitList(String(options.symbols)).map((base) => base.toUpperCase()),
        quote: String(options.quote).toUpperCase(),
        intervals: splitList(String(options.intervals)),
        origin,
        seed: String(options.seed),
        momentum: Number(options.momentum),
        replays: options.replay ?? [],
      }),
    });
    process.stdout.write(
      `Simulated exchange listening: REST ${simulator.restUrl}, websocket ${simulator.wsUrl}\n` +
        `Point the service at it: EXCHANGE=binance EXCHANGE_REST_URL=${simulator.restUrl} EXCHANGE_WS_URL=${simulator.wsUrl}\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await simulator.close();
  }
}
