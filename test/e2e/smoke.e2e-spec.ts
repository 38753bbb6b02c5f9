import { describe, expect, inject, it } from 'vitest';
import { activeTenant, client } from '../support/http.js';

const request = client(inject('stack').apiUrl);

describe('smoke', () => {
  it('serves health and provisions a tenant end to end', async () => {
    expect((await request('GET', '/health')).status).toBe(200);
    const { owner, tenant } = await activeTenant(request);
    const created = await request('POST', '/api/v1/corpus/documents', {
      token: owner.token,
      headers: { 'x-tenant-id': tenant.id },
      body: { title: 'hello', content: 'world' },
    });
    expect(created.status).toBe(201);
  });
});
