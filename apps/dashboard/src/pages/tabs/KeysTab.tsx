import { Alert, Button, Code, CopyButton, Group, MultiSelect, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type Page } from '../../api';
import { DataTable, ErrorNote, QueryState, when } from '../../ui';
import { useTenants } from '../TenantsPage';
import type { TabProps } from '../TenantPage';

export const PERMISSIONS = [
  'tenants:read',
  'tenants:write',
  'members:read',
  'members:write',
  'api-keys:read',
  'api-keys:write',
  'audit:read',
  'usage:read',
  'billing:read',
  'corpus:read',
  'corpus:write',
  'conversations:read',
  'conversations:write',
  'fine-tune:read',
  'fine-tune:write',
];

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  tenant_scope: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  created_at: string;
}

export function KeysTab({ tenant }: TabProps) {
  const client = useQueryClient();
  const key = ['api-keys', tenant.id];
  const keys = useQuery({ queryKey: key, queryFn: () => api<Page & { api_keys: ApiKey[] }>('GET', `/api/tenants/${tenant.id}/api-keys`, { query: { limit: 100 } }) });
  const tenants = useTenants();
  const descendants = (tenants.data?.tenants ?? []).filter((t) => t.id === tenant.id || t.parent_id === tenant.id);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['corpus:read']);
  const [scope, setScope] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => api<ApiKey & { key: string }>('POST', `/api/tenants/${tenant.id}/api-keys`, { body: { name, scopes, tenant_scope: scope ?? undefined } }),
    onSuccess: () => {
      setName('');
      return client.invalidateQueries({ queryKey: key });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api('DELETE', `/api/tenants/${tenant.id}/api-keys/${id}`),
    onSuccess: () => client.invalidateQueries({ queryKey: key }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <Stack>
      <form onSubmit={submit} aria-label="Create an API key">
        <Stack gap="xs">
          <Group align="end" wrap="wrap">
            <TextInput label="Key name" required value={name} onChange={(e) => setName(e.currentTarget.value)} />
            <MultiSelect label="Scopes" data={PERMISSIONS} value={scopes} onChange={setScopes} searchable miw={260} />
            <Select
              label="Tenant scope"
              data={[{ value: 'self', label: 'This tenant' }, ...descendants.filter((t) => t.id !== tenant.id).map((t) => ({ value: t.id, label: t.name }))]}
              value={scope ?? 'self'}
              onChange={(v) => setScope(v === 'self' ? null : v)}
              allowDeselect={false}
            />
            <Button type="submit" loading={create.isPending}>
              Create key
            </Button>
          </Group>
        </Stack>
      </form>
      <ErrorNote error={create.error ?? revoke.error} />
      {create.data && (
        <Alert color="green" title="Copy this key now: it is shown only once" role="status">
          <Group wrap="nowrap">
            <Code data-testid="new-key" style={{ wordBreak: 'break-all' }}>
              {create.data.key}
            </Code>
            <CopyButton value={create.data.key}>
              {({ copied, copy }) => (
                <Button size="xs" variant="light" onClick={copy}>
                  {copied ? 'Copied' : 'Copy'}
                </Button>
              )}
            </CopyButton>
          </Group>
        </Alert>
      )}
      <QueryState query={keys}>
        <DataTable label="API keys" minWidth={640} headers={['Name', 'Prefix', 'Scopes', 'Last used', 'State', 'Actions']}>
          {keys.data?.api_keys.map((k) => (
            <Table.Tr key={k.id} data-testid={`key-row-${k.name}`}>
              <Table.Td>{k.name}</Table.Td>
              <Table.Td>
                <Code>{k.prefix}</Code>
              </Table.Td>
              <Table.Td>{k.scopes.join(', ')}</Table.Td>
              <Table.Td>{when(k.last_used_at)}</Table.Td>
              <Table.Td>{k.revoked_at ? `revoked ${when(k.revoked_at)}` : 'active'}</Table.Td>
              <Table.Td>
                {!k.revoked_at && (
                  <Button size="compact-xs" color="red" variant="subtle" onClick={() => revoke.mutate(k.id)} aria-label={`Revoke ${k.name}`}>
                    Revoke
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </DataTable>
        {keys.data?.api_keys.length === 0 && <Text c="dimmed">No keys yet.</Text>}
      </QueryState>
    </Stack>
  );
}
