import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CleanQueuesProcessor } from './jobs/clean-queues.processor';
import { QueueWorkersService } from './queue-workers.service';

/** Worker role: the processors of every job in the catalogue, and the workers that run them. */
@Module({
  imports: [DiscoveryModule],
  providers: [QueueWorkersService, CleanQueuesProcessor],
})
export class QueueWorkersModule {}
