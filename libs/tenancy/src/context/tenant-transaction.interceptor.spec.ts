import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { lastValueFrom, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { TenantDb, UnitOfWorkOptions } from '../../../database/src/index.js';
import type { TenantContext } from './tenant-context.js';
import { TenantTransactionInterceptor } from './tenant-transaction.interceptor.js';

/** Which unit of work the interceptor opens for a request of this method. */
async function openedFor(method: string): Promise<{ tenant: unknown; options: UnitOfWorkOptions | undefined; result: unknown }> {
  let seen: { tenant: unknown; options: UnitOfWorkOptions | undefined } | undefined;
  const tenantDb = {
    runInContext: async (tenant: unknown, fn: () => Promise<unknown>, options?: UnitOfWorkOptions) => {
      seen = { tenant, options };
      return fn();
    },
  } as unknown as TenantDb;
  const context = { scope: { tenant: { id: 't-1', schema_name: 'tenant_acme' } } } as unknown as TenantContext;
  const http = { switchToHttp: () => ({ getRequest: () => ({ method }) }) } as unknown as ExecutionContext;
  const next: CallHandler = { handle: () => of('handled') };
  const result = await lastValueFrom(new TenantTransactionInterceptor(tenantDb, context).intercept(http, next));
  return { ...seen!, result };
}

describe('TenantTransactionInterceptor', () => {
  it('opens GET and HEAD handlers read only, in the resolved tenant', async () => {
    for (const method of ['GET', 'HEAD']) {
      expect(await openedFor(method)).toEqual({ tenant: { id: 't-1', schemaName: 'tenant_acme' }, options: { readOnly: true }, result: 'handled' });
    }
  });

  it('opens every other method read-write', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      expect((await openedFor(method)).options, method).toEqual({ readOnly: false });
    }
  });
});
