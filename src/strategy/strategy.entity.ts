import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { StrategyDefinition } from './engine/strategy-definition';

/** One version of a strategy: rules as data. A change is a new version; signals keep theirs. */
@Entity({ name: 'strategies' })
@Index('UQ_strategies_name_version', ['name', 'version'], { unique: true })
export class StrategyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 80 })
  name!: string;

  @Column({ type: 'integer' })
  version!: number;

  /** Rules, thresholds and guards, validated when stored (read through `parseStrategyDefinition`). */
  @Column({ type: 'jsonb' })
  definition!: StrategyDefinition;

  /** Only the newest version of a name is active; live decisions use active versions. */
  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @Column({ type: 'varchar', length: 500, nullable: true })
  description!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
