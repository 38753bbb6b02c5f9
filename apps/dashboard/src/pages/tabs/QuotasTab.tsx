import { Group, Paper, Progress, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../api';
import { QueryState, when } from '../../ui';
import type { TabProps } from '../TenantPage';

interface Quota {
  limit: number | null;
  used: number;
  percent: number | null;
  resets_at: string | null;
}

/** GET .../quotas: an object of quotas by name, or a list of them carrying a `name`/`resource`. */
function entries(answer: unknown): Array<[string, Quota]> {
  const body = (answer as { quotas?: unknown })?.quotas ?? answer;
  if (Array.isArray(body)) return body.map((q: Quota & { name?: string; resource?: string }) => [q.name ?? q.resource ?? '?', q]);
  if (body && typeof body === 'object') return Object.entries(body as Record<string, Quota>).filter(([, q]) => q && typeof q === 'object' && 'used' in q);
  return [];
}

export function QuotasTab({ tenant }: TabProps) {
  const quotas = useQuery({ queryKey: ['quotas', tenant.id], queryFn: () => api<unknown>('GET', `/api/tenants/${tenant.id}/quotas`) });
  return (
    <QueryState query={quotas}>
      <Stack>
        {entries(quotas.data).map(([name, q]) => {
          const percent = q.percent ?? (q.limit ? (100 * q.used) / q.limit : 0);
          return (
            <Paper key={name} withBorder p="sm" data-testid={`quota-${name}`}>
              <Group justify="space-between">
                <Text fw={600}>{name}</Text>
                <Text size="sm">
                  {q.used.toLocaleString()} / {q.limit === null ? 'unlimited' : q.limit.toLocaleString()} ({Math.round(percent)}%)
                </Text>
              </Group>
              <Progress value={Math.min(100, percent)} color={percent >= 90 ? 'red' : percent >= 75 ? 'yellow' : 'indigo'} aria-label={`${name} used`} my={6} />
              <Text size="xs" c="dimmed">
                Resets {when(q.resets_at)}
              </Text>
            </Paper>
          );
        })}
      </Stack>
    </QueryState>
  );
}
