import { Button, Code, Group, Pagination, Stack, Table, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type Page } from '../../api';
import { DataTable, QueryState, when } from '../../ui';
import type { TabProps } from '../TenantPage';

interface Entry {
  id: string;
  action: string;
  actor: { type: string; id: string | null };
  target?: { type: string; id: string | null };
  changes?: unknown;
  created_at?: string;
  at?: string;
}

const LIMIT = 20;

export function AuditTab({ tenant }: TabProps) {
  const [filters, setFilters] = useState({ action: '', actor: '', since: '' });
  const [draft, setDraft] = useState(filters);
  const [page, setPage] = useState(1);
  const log = useQuery({
    queryKey: ['audit', tenant.id, filters, page],
    queryFn: () =>
      api<Page & { entries: Entry[] }>('GET', `/api/tenants/${tenant.id}/audit-log`, {
        query: { ...filters, since: filters.since ? new Date(filters.since).toISOString() : undefined, skip: (page - 1) * LIMIT, limit: LIMIT },
      }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setPage(1);
    setFilters(draft);
  };
  return (
    <Stack>
      <form onSubmit={submit} aria-label="Filter the audit log">
        <Group align="end" wrap="wrap">
          <TextInput label="Action" placeholder="e.g. tenant.updated" value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.currentTarget.value })} />
          <TextInput label="Actor id" value={draft.actor} onChange={(e) => setDraft({ ...draft, actor: e.currentTarget.value })} />
          <TextInput label="Since" type="datetime-local" value={draft.since} onChange={(e) => setDraft({ ...draft, since: e.currentTarget.value })} />
          <Button type="submit" variant="light">
            Filter
          </Button>
        </Group>
      </form>
      <QueryState query={log}>
        <DataTable label="Audit log" minWidth={640} headers={['When', 'Action', 'Actor', 'Target', 'Changes']}>
          {log.data?.entries.map((e) => (
            <Table.Tr key={e.id}>
              <Table.Td>{when(e.created_at ?? e.at)}</Table.Td>
              <Table.Td>{e.action}</Table.Td>
              <Table.Td>
                {e.actor?.type} {e.actor?.id ? <Code>{e.actor.id.slice(0, 8)}</Code> : null}
              </Table.Td>
              <Table.Td>{e.target?.type} {e.target?.id ? <Code>{e.target.id.slice(0, 8)}</Code> : null}</Table.Td>
              <Table.Td>
                <Code block style={{ maxWidth: 360, maxHeight: 120, overflow: 'auto' }}>
                  {e.changes ? JSON.stringify(e.changes) : ''}
                </Code>
              </Table.Td>
            </Table.Tr>
          ))}
        </DataTable>
        {log.data?.entries.length === 0 && <Text c="dimmed">No entries match.</Text>}
        {(log.data?.total ?? 0) > LIMIT && <Pagination total={Math.ceil((log.data?.total ?? 0) / LIMIT)} value={page} onChange={setPage} aria-label="Audit log pages" />}
      </QueryState>
    </Stack>
  );
}
