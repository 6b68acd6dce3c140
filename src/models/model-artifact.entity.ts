import { Column, CreateDateColumn, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import type { ModelManifest } from './engine/model-artifact';
import { ModelVersionEntity } from './model-version.entity';

/** The saved model of a version: TensorFlow.js topology and weights, and the fitted scaler. */
@Entity({ name: 'model_artifacts' })
export class ModelArtifactEntity {
  @PrimaryColumn({ name: 'model_version_id', type: 'uuid' })
  modelVersionId!: string;

  @OneToOne(() => ModelVersionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'model_version_id' })
  modelVersion?: ModelVersionEntity;

  /** Model topology, weight specs, scaler and feature spec (JSON). */
  @Column({ type: 'jsonb' })
  manifest!: ModelManifest;

  /** Concatenated float32 weights, as TensorFlow.js saves them. */
  @Column({ name: 'weight_data', type: 'bytea' })
  weightData!: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
