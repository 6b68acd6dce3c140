import { ValidationException, type FieldProblem } from '../common/app.exception';
import type { PositionSizing } from './engine/strategy-definition';
import type { BacktestSizingDto } from './dto/backtest.dto';

/** A request's sizing, refusing fields that belong to another kind (the DTO checked the ranges). */
export function requestedSizing(input: BacktestSizingDto): PositionSizing {
  const problems: FieldProblem[] = [];
  if (input.fraction !== undefined && input.kind !== 'fraction') {
    problems.push({ field: 'sizing.fraction', problem: 'is only read with kind fraction' });
  }
  for (const field of ['targetVolatility', 'maxFraction'] as const) {
    if (input[field] !== undefined && input.kind !== 'volatility') {
      problems.push({ field: `sizing.${field}`, problem: 'is only read with kind volatility' });
    }
  }
  if (problems.length) {
    throw new ValidationException(problems);
  }
  switch (input.kind) {
    case 'all-in':
      return { kind: 'all-in' };
    case 'fraction':
      return { kind: 'fraction', fraction: input.fraction! };
    case 'volatility':
      return {
        kind: 'volatility',
        targetVolatility: input.targetVolatility!,
        ...(input.maxFraction === undefined ? {} : { maxFraction: input.maxFraction }),
      };
  }
}
