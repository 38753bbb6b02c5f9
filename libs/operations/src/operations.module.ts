import { Module } from '@nestjs/common';
import { JobsModule } from '../../jobs/src/index.js';
import { DomainAllowedController } from './domain-allowed.controller.js';
import { MetricsController, PlatformGauges } from './metrics.controller.js';
import { OperationsRepository } from './operations.repository.js';

/** The API's operator endpoints: /metrics, the edge's domain check. */
@Module({
  imports: [JobsModule],
  controllers: [MetricsController, DomainAllowedController],
  providers: [OperationsRepository, PlatformGauges],
})
export class OperationsModule {}
