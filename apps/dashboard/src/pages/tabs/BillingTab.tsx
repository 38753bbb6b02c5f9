import { Code, Table } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api';
import { QueryState } from '../../ui';
import type { TabProps } from '../TenantPage';

export function BillingTab({ tenant }: TabProps) {
  const billing = useQuery({ queryKey: ['billing', tenant.id], queryFn: () => api<Record<string, unknown>>('GET', `/api/tenants/${tenant.id}/billing`) });
  return (
    <QueryState query={billing}>
      <Table aria-label="Billing" variant="vertical" withTableBorder>
        <Table.Tbody>
          {Object.entries(billing.data ?? {}).map(([key, value]) => (
            <Table.Tr key={key}>
              <Table.Th w={200}>{key.replace(/_/g, ' ')}</Table.Th>
              <Table.Td>{value !== null && typeof value === 'object' ? <Code block>{JSON.stringify(value, null, 2)}</Code> : String(value ?? '—')}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </QueryState>
  );
}
