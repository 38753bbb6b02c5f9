import { AppShell, Burger, Button, Group, NavLink, ScrollArea, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { Link, Navigate, Route, Routes, useLocation } from 'react-router';
import { setToken } from './api';
import { AcceptInvitationPage, LoginPage, RegisterPage } from './pages/AuthPages';
import { useMe, useToken } from './session';
import { ErrorNote, PageLoader } from './ui';

// Pages behind the login are their own chunks, fetched when first shown: the login page loads
// without them (and without the chart library, which only the usage tab needs).
const TenantsPage = lazy(() => import('./pages/TenantsPage').then((m) => ({ default: m.TenantsPage })));
const TenantPage = lazy(() => import('./pages/TenantPage').then((m) => ({ default: m.TenantPage })));
const TemplatesPage = lazy(() => import('./pages/TemplatesPage').then((m) => ({ default: m.TemplatesPage })));
const AdminPage = lazy(() => import('./pages/AdminPage').then((m) => ({ default: m.AdminPage })));

export function App() {
  const token = useToken();
  if (!token)
    return (
      <Routes>
        <Route path="/register" element={<RegisterPage />} />
        <Route path="/invitation" element={<AcceptInvitationPage />} />
        <Route path="*" element={<LoginPage />} />
      </Routes>
    );
  return <Shell />;
}

function Shell() {
  const [opened, { toggle, close }] = useDisclosure();
  const me = useMe();
  const client = useQueryClient();
  const location = useLocation();
  const user = me.data?.user;
  const nav = [
    { to: '/', label: 'Tenants' },
    { to: '/templates', label: 'Templates' },
    ...(user?.is_platform_admin ? [{ to: '/admin', label: 'Platform admin' }] : []),
  ];
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Title order={1} size="h3">
              Tenantry
            </Title>
          </Group>
          <Group wrap="nowrap">
            <Text size="sm" visibleFrom="xs" data-testid="whoami">
              {user?.email}
            </Text>
            <Button
              variant="default"
              size="xs"
              onClick={() => {
                setToken(null);
                client.clear();
              }}
            >
              Log out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Main">
        <ScrollArea>
          {nav.map((item) => (
            <NavLink
              key={item.to}
              component={Link}
              to={item.to}
              label={item.label}
              active={item.to === '/' ? location.pathname === '/' || location.pathname.startsWith('/tenants') : location.pathname.startsWith(item.to)}
              onClick={close}
            />
          ))}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        <ErrorNote error={me.error} title="Your session" />
        <Suspense fallback={<PageLoader />}>
          <Routes>
            <Route path="/" element={<TenantsPage />} />
            <Route path="/tenants/:tenant/*" element={<TenantPage />} />
            <Route path="/templates" element={<TemplatesPage />} />
            <Route path="/admin" element={<AdminPage isAdmin={Boolean(user?.is_platform_admin)} />} />
            <Route path="/login" element={<Navigate to="/" replace />} />
            <Route path="/register" element={<Navigate to="/" replace />} />
            <Route path="/invitation" element={<Navigate to="/" replace />} />
            <Route path="*" element={<ErrorNote title="Not found" error={new Error(`No page at ${location.pathname}`)} />} />
          </Routes>
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
