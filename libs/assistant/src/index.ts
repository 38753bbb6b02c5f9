// The assistant: chat sessions and messages, pluggable providers (extractive, OpenAI-compatible),
// per-tenant guardrails (blocked word patterns, PII redaction). Everything tenant-scoped runs in
// the tenant's unit of work; no transaction is ever held while a provider answers. It must never
// store half an exchange, nor send a provider text the tenant's guardrails refused or redacted.
export { AssistantCoreModule, AssistantModule } from './assistant.module.js';
export { ChatRepository } from './chat.repository.js';
export { ExtractiveProvider } from './providers/extractive.provider.js';
export { ChatAdmission, QuotaChatAdmission } from './chat-admission.js';
export type { ChatAdmissionRequest } from './chat-admission.js';
export { AssistantProviders } from './assistant-providers.js';
export { ChatService } from './chat.service.js';
export { blockedBy, redactPii } from './guardrails.util.js';
export { countTokens } from './token-counter.js';
