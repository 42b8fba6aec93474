import { type DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { DeclaredJob } from './job-handler-check.js';
import { allJobNames } from './queue-names.js';
import { JOB_CATALOG, WorkerRuntime } from './worker-runtime.js';

/** Loaded by the worker and all roles only: creates, checks and closes the BullMQ workers. */
@Module({})
export class WorkerRuntimeModule {
  /** `extraJobs` lets a test declare the queue of a processor it registers itself. */
  static forRoot(extraJobs: DeclaredJob[] = []): DynamicModule {
    return {
      module: WorkerRuntimeModule,
      imports: [DiscoveryModule],
      providers: [WorkerRuntime, { provide: JOB_CATALOG, useValue: [...allJobNames(), ...extraJobs] }],
    };
  }
}
