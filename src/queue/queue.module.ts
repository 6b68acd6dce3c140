import { Global, Module } from '@nestjs/common';
import { JobsService } from './jobs.service';
import { QueueService } from './queue.service';

@Global()
@Module({ providers: [QueueService, JobsService], exports: [QueueService, JobsService] })
export class QueueModule {}
