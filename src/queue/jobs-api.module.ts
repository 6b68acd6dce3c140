import { Module } from '@nestjs/common';
import { JobsController } from './jobs.controller';
import { JobsResolver } from './jobs.resolver';
import { JobsService } from './jobs.service';

@Module({ controllers: [JobsController], providers: [JobsService, JobsResolver] })
export class JobsApiModule {}
