import { Anchor, Button, Group, Modal, NumberInput, Paper, Select, Stack, Table, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Fragment, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, PLANS, type Page, type Tenant } from '../api';
import { DataTable, ErrorNote, QueryState, StatusBadge } from '../ui';

type TenantList = Page & { tenants: Tenant[] };

/**
 * Every tenant the caller may see, up to 100 at a time. While one is provisioning, the list is
 * asked for again every second, so its badge turns active (or failed) by itself.
 */
export function useTenants() {
  return useQuery({
    queryKey: ['tenants'],
    queryFn: () => api<TenantList>('GET', '/api/tenants', { query: { limit: 100 } }),
    refetchInterval: (query) => (query.state.data?.tenants.some((t) => t.status === 'provisioning') ? 1000 : false),
  });
}

interface Node {
  tenant: Tenant;
  depth: number;
}

/** Parents first, each followed by its children (depth-first); orphans (parent not visible) are roots. */
export function tenantTree(tenants: Tenant[]): Node[] {
  const ids = new Set(tenants.map((t) => t.id));
  const children = new Map<string | null, Tenant[]>();
  for (const t of tenants) {
    const parent = t.parent_id && ids.has(t.parent_id) ? t.parent_id : null;
    children.set(parent, [...(children.get(parent) ?? []), t]);
  }
  const out: Node[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const t of (children.get(parent) ?? []).sort((a, b) => a.name.localeCompare(b.name))) {
      out.push({ tenant: t, depth });
      walk(t.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

export function TenantsPage() {
  const tenants = useTenants();
  const [opened, { open, close }] = useDisclosure(false);
  const [parent, setParent] = useState<string | null>(null);
  // Each opening gets a fresh form: a form still closing (its transition) must not lend its state to the next.
  const [opening, setOpening] = useState(0);
  const create = (parentId: string | null) => {
    setParent(parentId);
    setOpening((n) => n + 1);
    open();
  };
  const rows = tenantTree(tenants.data?.tenants ?? []);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Tenants</Title>
        <Button onClick={() => create(null)}>Create tenant</Button>
      </Group>
      <QueryState query={tenants}>
        {rows.length === 0 ? (
          <Paper withBorder p="lg">
            <Text>No tenants yet. Create your first one.</Text>
          </Paper>
        ) : (
          <DataTable label="Tenant tree" minWidth={560} headers={['Name', 'Slug', 'Plan', 'Status', 'Members', <VisuallyHidden>Actions</VisuallyHidden>]} striped highlightOnHover>
            {rows.map(({ tenant, depth }) => (
              <Fragment key={tenant.id}>
                <Table.Tr data-testid={`tenant-row-${tenant.slug}`}>
                  <Table.Td style={{ paddingLeft: 12 + depth * 24 }}>
                    {depth > 0 && <span aria-hidden="true">↳ </span>}
                    <Anchor component={Link} to={`/tenants/${tenant.slug}`}>
                      {tenant.name}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{tenant.slug}</Table.Td>
                  <Table.Td>{tenant.plan}</Table.Td>
                  <Table.Td>
                    <StatusBadge status={tenant.status} />
                  </Table.Td>
                  <Table.Td>{tenant.member_count}</Table.Td>
                  <Table.Td>
                    <Button size="compact-xs" variant="subtle" onClick={() => create(tenant.id)} aria-label={`Add a child tenant to ${tenant.name}`}>
                      Add child
                    </Button>
                  </Table.Td>
                </Table.Tr>
              </Fragment>
            ))}
          </DataTable>
        )}
      </QueryState>
      <Modal opened={opened} onClose={close} title="Create tenant">
        <CreateTenantForm key={opening} tenants={tenants.data?.tenants ?? []} parentId={parent} onDone={close} />
      </Modal>
    </Stack>
  );
}

function CreateTenantForm({ tenants, parentId, onDone }: { tenants: Tenant[]; parentId: string | null; onDone: () => void }) {
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [plan, setPlan] = useState<string>('starter');
  const [parent, setParent] = useState<string | null>(parentId);
  const [maxMembers, setMaxMembers] = useState<string | number>('');
  const create = useMutation({
    mutationFn: () =>
      api<Tenant>('POST', '/api/tenants', {
        body: { name, slug, plan, parent_id: parent ?? undefined },
      }),
    onSuccess: async (tenant) => {
      if (maxMembers !== '') await api('PATCH', `/api/tenants/${tenant.id}`, { body: { max_members: Number(maxMembers) } }).catch(() => undefined);
      await client.invalidateQueries({ queryKey: ['tenants'] });
      onDone();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <form onSubmit={submit} aria-label="Create tenant">
      <Stack>
        <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus />
        <TextInput
          label="Slug"
          description="Lowercase letters, digits and dashes; the tenant's address"
          required
          value={slug}
          onChange={(e) => setSlug(e.currentTarget.value)}
        />
        <Select label="Plan" data={[...PLANS]} value={plan} onChange={(v) => setPlan(v ?? 'starter')} allowDeselect={false} />
        <Select
          label="Parent tenant"
          placeholder="None (a top-level tenant)"
          clearable
          data={tenants.map((t) => ({ value: t.id, label: `${t.name} (${t.slug})` }))}
          value={parent}
          onChange={setParent}
        />
        <NumberInput label="Member limit (optional)" min={1} value={maxMembers} onChange={setMaxMembers} />
        <ErrorNote error={create.error} title="Could not create the tenant" />
        <Button type="submit" loading={create.isPending}>
          Create
        </Button>
      </Stack>
    </form>
  );
}
