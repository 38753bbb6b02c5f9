import { Module } from '@nestjs/common';
import { CorpusCoreModule, CorpusModule } from '../../corpus/src/index.js';
import { MeteringModule } from '../../metering/src/index.js';
import { SecretsModule } from '../../secrets/src/index.js';
import { TenancyModule } from '../../tenancy/src/index.js';
import { AssistantProviders } from './assistant-providers.js';
import { ChatAdmission, QuotaChatAdmission } from './chat-admission.js';
import { ChatController } from './chat.controller.js';
import { ChatRepository } from './chat.repository.js';
import { ChatService } from './chat.service.js';
import { ConcurrencyGate } from './concurrency-gate.js';

/** Chat over HTTP: sessions, messages, providers, guardrails. ChatAdmission checks and counts budgets through metering's Quotas (see chat-admission.ts). */
@Module({
  imports: [TenancyModule, CorpusModule, SecretsModule, MeteringModule],
  controllers: [ChatController],
  providers: [ChatService, ChatRepository, AssistantProviders, ConcurrencyGate, { provide: ChatAdmission, useClass: QuotaChatAdmission }],
  exports: [ChatService, AssistantProviders],
})
export class AssistantModule {}

/** Chat storage without HTTP, for the admin CLI (`demo seed`); callers open the tenant's unit of work around it. */
@Module({
  imports: [CorpusCoreModule],
  providers: [ChatRepository],
  exports: [ChatRepository, CorpusCoreModule],
})
export class AssistantCoreModule {}
