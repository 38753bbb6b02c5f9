import { Module } from '@nestjs/common';
import { CorpusModule } from '../../corpus/src/index.js';
import { SecretsModule } from '../../secrets/src/index.js';
import { TenancyModule } from '../../tenancy/src/index.js';
import { AssistantProviders } from './assistant-providers.js';
import { ChatAdmission, OpenChatAdmission } from './chat-admission.js';
import { ChatController } from './chat.controller.js';
import { ChatRepository } from './chat.repository.js';
import { ChatService } from './chat.service.js';
import { ConcurrencyGate } from './concurrency-gate.js';

/** Chat over HTTP: sessions, messages, providers, guardrails. ChatAdmission is billing's hook (see chat-admission.ts). */
@Module({
  imports: [TenancyModule, CorpusModule, SecretsModule],
  controllers: [ChatController],
  providers: [ChatService, ChatRepository, AssistantProviders, ConcurrencyGate, { provide: ChatAdmission, useClass: OpenChatAdmission }],
  exports: [ChatService, AssistantProviders],
})
export class AssistantModule {}
