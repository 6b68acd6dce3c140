import { Module } from '@nestjs/common';
import { JobsAdminController } from './jobs-admin.controller';
import { JobsController } from './jobs.controller';
import { JobsResolver } from './jobs.resolver';

@Module({ controllers: [JobsController, JobsAdminController], providers: [JobsResolver] })
export class JobsApiModule {}
