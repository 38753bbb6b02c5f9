import { Anchor, Breadcrumbs, Group, Stack, Tabs, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, type Tenant } from '../api';
import { PageLoader, QueryState, StatusBadge } from '../ui';

// Each tab is its own chunk, fetched when first opened (the usage tab brings the chart library).
const SettingsTab = lazy(() => import('./tabs/SettingsTab').then((m) => ({ default: m.SettingsTab })));
const MembersTab = lazy(() => import('./tabs/MembersTab').then((m) => ({ default: m.MembersTab })));
const KeysTab = lazy(() => import('./tabs/KeysTab').then((m) => ({ default: m.KeysTab })));
const UsageTab = lazy(() => import('./tabs/UsageTab').then((m) => ({ default: m.UsageTab })));
const QuotasTab = lazy(() => import('./tabs/QuotasTab').then((m) => ({ default: m.QuotasTab })));
const AuditTab = lazy(() => import('./tabs/AuditTab').then((m) => ({ default: m.AuditTab })));
const BillingTab = lazy(() => import('./tabs/BillingTab').then((m) => ({ default: m.BillingTab })));
const CorpusTab = lazy(() => import('./tabs/CorpusTab').then((m) => ({ default: m.CorpusTab })));
const ChatTab = lazy(() => import('./tabs/ChatTab').then((m) => ({ default: m.ChatTab })));
const WidgetTab = lazy(() => import('./tabs/WidgetTab').then((m) => ({ default: m.WidgetTab })));

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
                  <Suspense fallback={<PageLoader />}>
                    <Component tenant={tenant.data} />
                  </Suspense>
                </Tabs.Panel>
              ))}
            </Tabs>
          </>
        )}
      </QueryState>
    </Stack>
  );
}
