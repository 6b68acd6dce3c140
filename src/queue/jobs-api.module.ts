import { Module } from '@nestjs/common';
import { JobsController } from './jobs.controller';
import { JobsResolver } from './jobs.resolver';

@Module({ controllers: [JobsController], providers: [JobsResolver] })
export class JobsApiModule {}
