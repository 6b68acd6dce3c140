import { Field, Float, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { GraphQLJSON } from 'graphql-scalars';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { NullableDateField } from '../../common/nullable-fields';

const JOB_STATES = [
  'waiting',
  'delayed',
  'prioritized',
  'waiting-children',
  'active',
  'completed',
  'failed',
  'unknown',
] as const;
export type JobState = (typeof JOB_STATES)[number];

@ObjectType('Job')
export class JobDto {
  @ApiProperty({ example: 'clean-queues.3f0c6a52-8a4e-4d57-9b0e-6c1d1d0f6b1e' })
  @Field(() => ID)
  id!: string;

  @ApiProperty({ example: 'clean-queues' })
  @Field()
  name!: string;

  @ApiProperty({ example: 'maintenance' })
  @Field()
  queue!: string;

  @ApiProperty({ enum: JOB_STATES })
  @Field(() => String, { description: JOB_STATES.join(', ') })
  state!: JobState;

  @ApiProperty({
    description: 'A percentage, or an object the job reports (epoch, loss, ...)',
    oneOf: [{ type: 'number' }, { type: 'object' }],
  })
  @Field(() => GraphQLJSON)
  progress!: unknown;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The job payload' })
  @Field(() => GraphQLJSON)
  data!: unknown;

  @ApiPropertyOptional({ nullable: true, description: 'What the job returned, once completed' })
  @Field(() => GraphQLJSON, { nullable: true })
  result!: unknown;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Why the last attempt failed' })
  @Field(() => String, { nullable: true })
  error!: string | null;

  @ApiProperty()
  @Field(() => Int)
  attemptsMade!: number;

  @ApiProperty()
  @Field(() => Int)
  maxAttempts!: number;

  @ApiProperty({ type: String, format: 'date-time' })
  @Field()
  createdAt!: Date;

  @NullableDateField()
  startedAt!: Date | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'The worker process (`host:pid`) that took the job last',
    example: 'worker-1:4242',
  })
  @Field(() => String, { nullable: true })
  processedBy!: string | null;

  @NullableDateField()
  finishedAt!: Date | null;
}

@ObjectType('EnqueuedJob')
export class EnqueuedJobDto {
  @ApiProperty({ description: 'Follow it with GET /jobs/{jobId}' })
  @Field(() => ID)
  jobId!: string;
}

@InputType('CleanQueuesInput')
export class CleanQueuesDto {
  @ApiPropertyOptional({
    description: 'Remove finished jobs older than this (ms)',
    default: 86_400_000,
    minimum: 0,
  })
  @Field(() => Float, { nullable: true, description: 'Milliseconds (a whole number)' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(365 * 86_400_000)
  graceMs?: number;

  @ApiPropertyOptional({
    description: 'At most this many jobs per queue and state',
    default: 10_000,
    minimum: 1,
  })
  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  limitPerState?: number;
}
