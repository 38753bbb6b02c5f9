import { Button, Group, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ROLES, type Page } from '../../api';
import { DataTable, ErrorNote, QueryState, when } from '../../ui';
import type { TabProps } from '../TenantPage';

interface Member {
  user_id: string;
  email: string;
  name: string | null;
  role: string;
  created_at: string;
}
interface Invitation {
  id: string;
  email: string;
  role: string;
  created_at: string;
  expires_at: string;
}
type MemberList = Page & { members: Member[]; invitations: Invitation[] };

export function MembersTab({ tenant }: TabProps) {
  const client = useQueryClient();
  const key = ['members', tenant.id];
  const members = useQuery({ queryKey: key, queryFn: () => api<MemberList>('GET', `/api/tenants/${tenant.id}/members`, { query: { limit: 100 } }) });
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('member');
  const invite = useMutation({
    mutationFn: () => api<{ status: string }>('POST', `/api/tenants/${tenant.id}/members`, { body: { email, role } }),
    onSuccess: () => {
      setEmail('');
      return client.invalidateQueries({ queryKey: key });
    },
  });
  const change = useMutation({
    mutationFn: (v: { user: string; role?: string }) =>
      v.role
        ? api('PATCH', `/api/tenants/${tenant.id}/members/${v.user}`, { body: { role: v.role } })
        : api('DELETE', `/api/tenants/${tenant.id}/members/${v.user}`),
    onSuccess: () => client.invalidateQueries({ queryKey: key }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    invite.mutate();
  };
  return (
    <Stack>
      <form onSubmit={submit} aria-label="Invite a member">
        <Group align="end">
          <TextInput label="Email" type="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
          <Select label="Role" data={[...ROLES]} value={role} onChange={(v) => setRole(v ?? 'member')} allowDeselect={false} w={140} />
          <Button type="submit" loading={invite.isPending}>
            Invite
          </Button>
        </Group>
      </form>
      <ErrorNote error={invite.error ?? change.error} />
      {invite.data && (
        <Text role="status" c="green">
          {invite.data.status === 'pending' ? 'Invitation sent.' : 'Member added.'}
        </Text>
      )}
      <QueryState query={members}>
        <Title order={3} size="h4">
          Members
        </Title>
        <DataTable label="Members" minWidth={500} headers={['Email', 'Name', 'Role', 'Since', 'Actions']}>
          {members.data?.members.map((m) => (
            <Table.Tr key={m.user_id}>
              <Table.Td>{m.email}</Table.Td>
              <Table.Td>{m.name ?? '—'}</Table.Td>
              <Table.Td>
                <Select
                  aria-label={`Role of ${m.email}`}
                  data={[...ROLES]}
                  value={m.role}
                  allowDeselect={false}
                  size="xs"
                  w={120}
                  onChange={(v) => v && v !== m.role && change.mutate({ user: m.user_id, role: v })}
                />
              </Table.Td>
              <Table.Td>{when(m.created_at)}</Table.Td>
              <Table.Td>
                <Button size="compact-xs" color="red" variant="subtle" onClick={() => change.mutate({ user: m.user_id })} aria-label={`Remove ${m.email}`}>
                  Remove
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </DataTable>
        <Title order={3} size="h4">
          Pending invitations
        </Title>
        {members.data?.invitations.length ? (
          <Table aria-label="Pending invitations">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Email</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>Expires</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {members.data.invitations.map((i) => (
                <Table.Tr key={i.id}>
                  <Table.Td>{i.email}</Table.Td>
                  <Table.Td>{i.role}</Table.Td>
                  <Table.Td>{when(i.expires_at)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : (
          <Text c="dimmed">None.</Text>
        )}
      </QueryState>
    </Stack>
  );
}
