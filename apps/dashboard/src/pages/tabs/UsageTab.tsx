import { Paper, SegmentedControl, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api } from '../../api';
import { QueryState } from '../../ui';
import type { TabProps } from '../TenantPage';

export const RESOURCES = ['api_call', 'message', 'llm_token', 'rag_query', 'storage_mb'] as const;
const COLORS: Record<string, string> = { api_call: '#4c6ef5', message: '#12b886', llm_token: '#fab005', rag_query: '#e64980', storage_mb: '#868e96' };

interface Usage {
  period_start: string;
  period_end: string;
  totals: Record<string, number>;
  daily_breakdown: Array<{ date: string; totals: Record<string, number> }>;
}

export function UsageTab({ tenant }: TabProps) {
  const [period, setPeriod] = useState('7d');
  const usage = useQuery({
    queryKey: ['usage', tenant.id, period],
    queryFn: () => api<Usage>('GET', `/api/tenants/${tenant.id}/usage`, { query: { period } }),
  });
  const children = useQuery({
    queryKey: ['stats', tenant.id],
    queryFn: () => api<{ children?: Array<Record<string, unknown>> } & Record<string, unknown>>('GET', `/api/tenants/${tenant.id}/stats`, { query: { group_by: 'child' } }),
  });
  const data = (usage.data?.daily_breakdown ?? []).map((d) => ({ date: d.date.slice(5, 10), ...d.totals }));
  const childRows = Array.isArray(children.data?.children) ? children.data.children : [];
  return (
    <Stack>
      <SegmentedControl
        aria-label="Period"
        value={period}
        onChange={setPeriod}
        data={[
          { value: '7d', label: '7 days' },
          { value: '30d', label: '30 days' },
          { value: '90d', label: '90 days' },
        ]}
        w="fit-content"
      />
      <QueryState query={usage}>
        <SimpleGrid cols={{ base: 2, sm: 5 }}>
          {RESOURCES.map((r) => (
            <Paper key={r} withBorder p="sm">
              <Text size="xs" c="dimmed">
                {r}
              </Text>
              <Text fw={700} data-testid={`usage-total-${r}`}>
                {(usage.data?.totals[r] ?? 0).toLocaleString()}
              </Text>
            </Paper>
          ))}
        </SimpleGrid>
        <Paper withBorder p="sm" h={320} role="img" aria-label={`Daily usage per resource over ${period}`}>
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={data}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="date" />
              <YAxis />
              <Tooltip />
              <Legend />
              {RESOURCES.map((r) => (
                <Bar key={r} dataKey={r} stackId="usage" fill={COLORS[r]} isAnimationActive={false} />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </Paper>
      </QueryState>
      <Title order={3} size="h4">
        Child tenants
      </Title>
      <QueryState query={children}>
        {childRows.length === 0 ? (
          <Text c="dimmed">No child tenants with usage.</Text>
        ) : (
          <Table aria-label="Usage per child tenant">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Tenant</Table.Th>
                {RESOURCES.map((r) => (
                  <Table.Th key={r}>{r}</Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {childRows.map((c, i) => {
                const totals = (c.totals ?? {}) as Record<string, number>;
                return (
                  <Table.Tr key={i}>
                    <Table.Td>{String(c.slug ?? c.name ?? c.tenant_id ?? '')}</Table.Td>
                    {RESOURCES.map((r) => (
                      <Table.Td key={r}>{totals[r] ?? 0}</Table.Td>
                    ))}
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
    </Stack>
  );
}
