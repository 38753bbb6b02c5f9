import { randomBytes, randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { ChatRepository, countTokens, ExtractiveProvider } from '../../../../../libs/assistant/src/index.js';
import { ValidationFailed } from '../../../../../libs/common/src/index.js';
import { DocumentsService, PassageRetriever } from '../../../../../libs/corpus/src/index.js';
import { type MemberRole, TenantDb, type UserEntity } from '../../../../../libs/database/src/index.js';
import { AuthService, EmailTaken, UsersRepository, UsersService } from '../../../../../libs/identity/src/index.js';
import { TenantLifecycleService } from '../../../../../libs/operations/src/index.js';
import { type AddMemberDto, MembersService, SlugTaken, slugProblem, type TenantDto, TenantsRepository, TenantsService } from '../../../../../libs/tenancy/src/index.js';
import { UsageRepository } from '../../../../../libs/usage/src/index.js';
import { printJson, printLine } from '../../cli-output.js';
import { validateNewUser } from '../users/user-options.js';
import { PROVISION_WAIT_MS, waitUntilProvisioned } from '../tenants/tenant-wait.js';
import { DEMO_CONVERSATIONS, DEMO_USAGE_DAYS, demoDocuments, demoUsage } from './demo-content.js';

interface SeedOptions {
  slug?: string;
  name?: string;
  email?: string;
  password?: string;
  children?: string;
  timeout?: string;
  json?: boolean;
}

export const DEFAULT_DEMO_SLUG = 'demo';
export const MAX_DEMO_CHILDREN = 10; // the enterprise plan's max_child_tenants
const ROLES: readonly MemberRole[] = ['admin', 'member', 'viewer'];
const TOP_K = 5;
const DAY_MS = 86_400_000;

export const childSlug = (slug: string, i: number): string => `${slug}-branch-${i + 1}`;

interface SeededTenant {
  id: string;
  slug: string;
  name: string;
  plan: string;
  status: string;
  parent_id: string | null;
  members: Array<{ email: string; role: MemberRole }>;
  documents: number;
  chat_sessions: number;
  chat_messages: number;
  usage_records: number;
}

/** What the command decided before touching anything. */
interface Plan {
  slug: string;
  name: string;
  children: number;
  waitMs: number;
  owner: { email: string; password: string; name: string | null };
  passwordGenerated: boolean;
  others: Array<{ email: string; label: MemberRole }>;
}

/**
 * `tenantry demo seed`: a living demo through the API's own services (users, tenants, members,
 * documents, chat storage, usage ingest), so a new user logs in and sees data at once. Every name
 * derives from --slug: a slug or an email already taken refuses the whole run before anything is
 * made (conflict, exit 4); a failure half-way undoes what this run made (hard delete, users deleted).
 */
@SubCommand({
  name: 'seed',
  description: 'create a demo: an owner, a parent tenant with child tenants, members (admin, member, viewer), documents, conversations and a week of usage',
})
export class DemoSeedCommand extends CommandRunner {
  private readonly logger = new Logger('demo seed');

  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersRepository,
    private readonly usersService: UsersService,
    private readonly tenants: TenantsService,
    private readonly tenantRows: TenantsRepository,
    private readonly members: MembersService,
    private readonly tenantDb: TenantDb,
    private readonly documents: DocumentsService,
    private readonly retriever: PassageRetriever,
    private readonly chat: ChatRepository,
    private readonly usage: UsageRepository,
    private readonly lifecycle: TenantLifecycleService,
  ) {
    super();
  }

  async run(_args: string[], options: SeedOptions): Promise<void> {
    const plan = this.plan(options);
    await this.assertFree(plan);
    const made: { users: UserEntity[]; parent?: TenantDto } = { users: [] };
    try {
      const out = await this.seed(plan, made);
      if (options.json) printJson(out);
      else this.printSummary(out, plan);
    } catch (error) {
      await this.undo(made);
      throw error;
    }
  }

  /** Validates every input and derives every name; nothing is read or written yet. */
  private plan(options: SeedOptions): Plan {
    const slug = (options.slug ?? DEFAULT_DEMO_SLUG).trim();
    const children = parseWhole('--children', options.children, 2, 0, MAX_DEMO_CHILDREN);
    const waitMs = parseWhole('--timeout', options.timeout, PROVISION_WAIT_MS / 1000, 1, 3600) * 1000;
    const problem = slugProblem(slug);
    if (problem) throw new ValidationFailed(`--slug: ${problem}`, [{ field: 'slug', message: problem }]);
    for (let i = 0; i < children; i++) {
      const childProblem = slugProblem(childSlug(slug, i));
      if (childProblem) throw new ValidationFailed(`--slug '${slug}' is too long for its child tenants: '${childSlug(slug, i)}': ${childProblem}`, [{ field: 'slug', message: childProblem }]);
    }
    const name = (options.name ?? `Demo ${slug}`).trim();
    if (name.length < 1 || name.length > 190) throw new ValidationFailed('--name must be 1 to 190 characters long', [{ field: 'name', message: 'length' }]);
    const passwordGenerated = options.password === undefined;
    const password = options.password ?? randomBytes(12).toString('base64url');
    const owner = validateNewUser({ email: options.email ?? `${slug}-owner@example.com`, password, name: 'Demo Owner' });
    const others = ROLES.map((label) => ({ email: `${slug}-${label}@example.com`, label }));
    return { slug, name, children, waitMs, owner, passwordGenerated, others };
  }

  /** A taken slug or email refuses the whole run before anything is made. */
  private async assertFree(plan: Plan): Promise<void> {
    for (const slug of [plan.slug, ...Array.from({ length: plan.children }, (_, i) => childSlug(plan.slug, i))]) {
      if (await this.tenantRows.findByKey(slug)) throw new SlugTaken(slug);
    }
    for (const email of [plan.owner.email, ...plan.others.map((o) => o.email)]) {
      if (await this.users.findByEmail(email)) throw new EmailTaken(email);
    }
  }

  private async seed(plan: Plan, made: { users: UserEntity[]; parent?: TenantDto }) {
    const owner = await this.auth.createUser(plan.owner.email, plan.owner.password, plan.owner.name);
    made.users.push(owner);
    const others: UserEntity[] = [];
    for (const o of plan.others) {
      const user = await this.auth.createUser(o.email, plan.owner.password, `Demo ${o.label}`);
      made.users.push(user);
      others.push(user);
    }
    const caller = { id: owner.id, email: owner.email, isPlatformAdmin: owner.isPlatformAdmin };

    // The parent first (a child needs an active parent), on the plan that allows children.
    made.parent = await this.tenants.create({ slug: plan.slug, name: plan.name, plan: 'enterprise' }, caller);
    const parent = await waitUntilProvisioned(this.tenants, made.parent.id, plan.waitMs);
    const created = await Promise.all(
      Array.from({ length: plan.children }, (_, i) =>
        this.tenants.create({ slug: childSlug(plan.slug, i), name: `${plan.name} branch ${i + 1}`, plan: 'growth', parent_id: parent.id }, caller),
      ),
    );
    const children = await Promise.all(created.map((c) => waitUntilProvisioned(this.tenants, c.id, plan.waitMs)));

    const seeded: SeededTenant[] = [];
    for (const [index, tenant] of [parent, ...children].entries()) {
      // The parent has one user per role; each child rotates them, so one person holds different roles in different tenants.
      const members = others.map((user, j) => ({ email: user.email, role: ROLES[(j + index) % ROLES.length]! }));
      for (const m of members) {
        await this.members.add(tenant.id, { email: m.email, role: m.role } as AddMemberDto, { tenantId: tenant.id, role: 'owner', elevated: false, via: 'member' }, caller);
      }
      seeded.push({ ...(await this.fill(tenant, owner, index)), members: [{ email: owner.email, role: 'owner' }, ...members] });
    }
    return {
      slug: plan.slug,
      owner: { id: owner.id, email: owner.email },
      password: plan.passwordGenerated ? plan.owner.password : null,
      users: others.map((u) => ({ id: u.id, email: u.email })),
      parent: { id: parent.id, slug: parent.slug },
      children: children.map((c) => ({ id: c.id, slug: c.slug })),
      tenants: seeded,
      usage_days: DEMO_USAGE_DAYS,
    };
  }

  /** Documents (indexed as any document), conversations answered by the extractive provider, a week of usage. */
  private async fill(tenant: TenantDto, owner: UserEntity, index: number): Promise<Omit<SeededTenant, 'members'>> {
    const ref = { id: tenant.id, schemaName: tenant.schema_name, updatedAt: new Date(tenant.updated_at) };
    const docs = demoDocuments(tenant.name);
    // The tenant as stored (plan and settings): its corpus limits hold here as on the API.
    const row = await this.tenantRows.findByKey(tenant.id);
    if (!row) throw new Error(`tenant ${tenant.slug} vanished while seeding`);
    await this.tenantDb.runInContext(ref, () => this.documents.add(row, docs));
    const provider = new ExtractiveProvider();
    let messages = 0;
    await this.tenantDb.runInContext(ref, async () => {
      for (const conversation of DEMO_CONVERSATIONS) {
        const session = await this.chat.createSession({ title: conversation.title, provider: provider.name, model: provider.defaultModel, createdBy: owner.id });
        for (const question of conversation.questions) {
          const passages = await this.retriever.retrieve(question, TOP_K);
          const answer = await provider.generate({ model: provider.defaultModel, system: '', history: [], question, passages });
          const prompt_tokens = countTokens(`${passages.map((p) => p.text).join('\n')}\n${question}`);
          const completion_tokens = countTokens(answer.content);
          const common = { session_id: session.id, metadata: {} };
          await this.chat.insertExchange(
            { ...common, role: 'user', content: question, citations: [], prompt_tokens: null, completion_tokens: null, total_tokens: null, provider: null, model: null },
            {
              ...common,
              role: 'assistant',
              content: answer.content,
              citations: answer.citedDocumentIds.map((document_id) => ({ document_id })),
              prompt_tokens,
              completion_tokens,
              total_tokens: prompt_tokens + completion_tokens,
              provider: provider.name,
              model: answer.model,
            },
          );
          await this.chat.touchSession(session.id, { refusals: 0, redactions: 0 });
          messages += 2;
        }
      }
    });
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const rows: Array<[string, string, number, string, string]> = [];
    for (const [day, figures] of demoUsage(index).entries()) {
      const bucket = new Date(now - (DEMO_USAGE_DAYS - 1 - day) * DAY_MS - 5 * 60_000).toISOString();
      for (const [resource, quantity] of figures) rows.push([tenant.id, resource, quantity, bucket, JSON.stringify({ demo: true })]);
    }
    await this.usage.ingest({ batchId: randomUUID(), rows });
    return {
      id: tenant.id,
      slug: tenant.slug,
      name: tenant.name,
      plan: tenant.plan,
      status: tenant.status,
      parent_id: tenant.parent_id,
      documents: docs.length,
      chat_sessions: DEMO_CONVERSATIONS.length,
      chat_messages: messages,
      usage_records: rows.length,
    };
  }

  /** A run that failed half-way takes back what it made, so the same --slug can be tried again. */
  private async undo(made: { users: UserEntity[]; parent?: TenantDto }): Promise<void> {
    if (made.parent) {
      await this.lifecycle.hardDelete(made.parent.id, { cascade: true }).catch((error: unknown) => this.logger.warn(`could not remove the half-made demo tenant ${made.parent?.slug}: ${String(error)}`));
    }
    for (const user of made.users.reverse()) {
      await this.usersService.delete(user).catch((error: unknown) => this.logger.warn(`could not remove the demo user ${user.email}: ${String(error)}`));
    }
  }

  private printSummary(out: Awaited<ReturnType<DemoSeedCommand['seed']>>, plan: Plan): void {
    printLine(`demo '${out.slug}' seeded: ${out.tenants.length} tenants, ${out.users.length + 1} users`);
    printLine(`log in as ${out.owner.email} with password ${out.password ?? '(the one you gave)'}; the other demo users share it:`);
    for (const u of out.users) printLine(`  ${u.email}`);
    for (const t of out.tenants) {
      const roles = t.members.map((m) => `${m.email.replace(`${plan.slug}-`, '').replace('@example.com', '')}=${m.role}`).join(', ');
      printLine(`  ${t.parent_id ? '  child ' : 'parent '}${t.slug} (${t.id}): ${t.status}, ${t.documents} documents, ${t.chat_sessions} conversations, ${out.usage_days} days of usage; ${roles}`);
    }
  }

  @Option({ flags: '--slug <slug>', description: `the parent tenant's slug; children are <slug>-branch-N, users <slug>-<role>@example.com (default ${DEFAULT_DEMO_SLUG})` })
  parseSlug(value: string): string {
    return value;
  }

  @Option({ flags: '--name <name>', description: "the parent tenant's display name (default: Demo <slug>)" })
  parseName(value: string): string {
    return value;
  }

  @Option({ flags: '--email <email>', description: "the demo owner's login email (default <slug>-owner@example.com)" })
  parseEmail(value: string): string {
    return value;
  }

  @Option({ flags: '--password <password>', description: 'password of every demo user (default: generated and printed once)' })
  parsePassword(value: string): string {
    return value;
  }

  @Option({ flags: '--children <n>', description: `child tenants under the parent, 0 to ${MAX_DEMO_CHILDREN} (default 2)` })
  parseChildren(value: string): string {
    return value;
  }

  @Option({ flags: '--timeout <seconds>', description: `how long to wait for the worker to provision each tenant (default ${PROVISION_WAIT_MS / 1000})` })
  parseTimeout(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'print a machine-readable summary' })
  parseJson(): boolean {
    return true;
  }
}

/** A whole number option within [min, max] (default when absent). */
function parseWhole(option: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new ValidationFailed(`${option} must be a whole number from ${min} to ${max}, got '${value.slice(0, 40)}'`, [{ field: option.slice(2), message: 'out of range' }]);
  return n;
}
