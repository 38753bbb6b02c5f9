import { Alert, Anchor, Code, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../api';
import { DataTable, QueryState, StatusBadge } from '../ui';
import { useTenants } from './TenantsPage';

/** Platform admins: every tenant (the tenant list shows them all to an admin), the cross-tenant usage report, the queues. */
export function AdminPage({ isAdmin }: { isAdmin: boolean }) {
  const tenants = useTenants();
  const usage = useQuery({ queryKey: ['admin-usage'], queryFn: () => api<Record<string, unknown>>('GET', '/api/admin/usage'), enabled: isAdmin });
  if (!isAdmin) return <Alert color="yellow" title="Platform admins only">This page is for the operators of the deployment.</Alert>;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Platform</Title>
        <Anchor href="/admin/queues" target="_blank" rel="noopener">
          Queue dashboard (/admin/queues)
        </Anchor>
      </Group>
      <Title order={3} size="h4">
        Usage across tenants
      </Title>
      <QueryState query={usage}>
        <Paper withBorder p="sm">
          <Code block>{JSON.stringify(usage.data, null, 2)}</Code>
        </Paper>
      </QueryState>
      <Title order={3} size="h4">
        All tenants ({tenants.data?.total ?? 0})
      </Title>
      <QueryState query={tenants}>
        <DataTable label="All tenants" minWidth={560} headers={['Name', 'Plan', 'Status', 'Parent']}>
          {tenants.data?.tenants.map((t) => (
            <Table.Tr key={t.id}>
              <Table.Td>
                <Anchor component={Link} to={`/tenants/${t.slug}`}>
                  {t.name}
                </Anchor>
              </Table.Td>
              <Table.Td>{t.plan}</Table.Td>
              <Table.Td>
                <StatusBadge status={t.status} />
              </Table.Td>
              <Table.Td>
                <Text size="sm">{tenants.data?.tenants.find((p) => p.id === t.parent_id)?.slug ?? '—'}</Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </DataTable>
      </QueryState>
    </Stack>
  );
}
