import { Anchor, Breadcrumbs, Group, Stack, Tabs, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { api, type Tenant } from '../api';
import { QueryState, StatusBadge } from '../ui';
import { AuditTab } from './tabs/AuditTab';
import { BillingTab } from './tabs/BillingTab';
import { ChatTab } from './tabs/ChatTab';
import { CorpusTab } from './tabs/CorpusTab';
import { KeysTab } from './tabs/KeysTab';
import { MembersTab } from './tabs/MembersTab';
import { QuotasTab } from './tabs/QuotasTab';
import { SettingsTab } from './tabs/SettingsTab';
import { UsageTab } from './tabs/UsageTab';
import { WidgetTab } from './tabs/WidgetTab';

const TABS = [
  ['settings', 'Settings', SettingsTab],
  ['members', 'Members', MembersTab],
  ['keys', 'API keys', KeysTab],
  ['usage', 'Usage', UsageTab],
  ['quotas', 'Quotas', QuotasTab],
  ['audit', 'Audit log', AuditTab],
  ['billing', 'Billing', BillingTab],
  ['corpus', 'Corpus', CorpusTab],
  ['chat', 'Chat', ChatTab],
  ['widget', 'Widget', WidgetTab],
] as const;

export interface TabProps {
  tenant: Tenant;
}

export function useTenant(ref: string) {
  return useQuery({
    queryKey: ['tenant', ref],
    queryFn: () => api<Tenant>('GET', `/api/tenants/${encodeURIComponent(ref)}`),
    refetchInterval: (query) => (query.state.data?.status === 'provisioning' ? 1000 : false),
  });
}

export function TenantPage() {
  const params = useParams();
  const ref = params.tenant ?? '';
  const tab = (params['*'] || 'settings').split('/')[0]!;
  const navigate = useNavigate();
  const tenant = useTenant(ref);
  return (
    <Stack>
      <Breadcrumbs>
        <Anchor component={Link} to="/">
          Tenants
        </Anchor>
        <Text>{ref}</Text>
      </Breadcrumbs>
      <QueryState query={tenant}>
        {tenant.data && (
          <>
            <Group>
              <Title order={2}>{tenant.data.name}</Title>
              <StatusBadge status={tenant.data.status} />
              <Text c="dimmed" size="sm">
                {tenant.data.plan} plan · {tenant.data.slug}
              </Text>
            </Group>
            <Tabs value={tab} onChange={(value) => void navigate(`/tenants/${ref}/${value ?? 'settings'}`)} keepMounted={false}>
              <Tabs.List style={{ overflowX: 'auto', flexWrap: 'nowrap' }}>
                {TABS.map(([value, label]) => (
                  <Tabs.Tab key={value} value={value}>
                    {label}
                  </Tabs.Tab>
                ))}
              </Tabs.List>
              {TABS.map(([value, , Component]) => (
                <Tabs.Panel key={value} value={value} pt="md">
                  <Component tenant={tenant.data} />
                </Tabs.Panel>
              ))}
            </Tabs>
          </>
        )}
      </QueryState>
    </Stack>
  );
}
