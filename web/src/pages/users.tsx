// /users (administrators): the users, filtered by role, state and name (in the URL), paged, with counts by
// role; create, change (role, active, password) and delete (behind a confirmation); and changing one's own
// password. Others get the API's PERMISSION_DENIED for the list, and can still change their own password.
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { client, unwrap, unwrapPage } from '../api/client';
import { useAuth } from '../auth';
import { Badge, Empty, ErrorBox, Field, Loading, PageHeader, Select, Time } from '../components/common';
import { ConfirmButton } from '../components/confirm';
import { Pager } from '../components/pager';
import { Status, pageOf, useQuery } from '../components/admin/shared';
import { ChangePassword } from '../components/users/changePassword';
import { UserForm, roles, type User } from '../components/users/userForm';
import { useApi } from '../hooks';

type Role = (typeof roles)[number];

export default function UsersPage() {
  const { me, can } = useAuth();
  const [query, setQuery] = useQuery();
  const [editing, setEditing] = useState<User | 'new' | undefined>(undefined);
  const [status, setStatus] = useState<string | undefined>(undefined);
  const page = pageOf(query.page);
  const filter = {
    role: (query.role || undefined) as Role | undefined,
    active: (query.active || undefined) as 'true' | 'false' | undefined,
    search: query.search || undefined,
  };
  const users = useApi(
    () => unwrapPage(client.GET('/users', { params: { query: { ...filter, page, limit: 20 } } })),
    [filter.role, filter.active, filter.search, page],
  );
  const stats = useApi(() => unwrap(client.GET('/users/stats')), []);
  const [search, setSearch] = useState(filter.search ?? '');
  const saved = (message: string) => {
    setEditing(undefined);
    setStatus(message);
    users.reload();
    stats.reload();
  };

  return (
    <section>
      <PageHeader title="Users">
        {can('admin') && (
          <button type="button" class="primary" onClick={() => setEditing('new')}>
            New user
          </button>
        )}
      </PageHeader>
      {stats.data && (
        <div class="cards">
          <section class="card" aria-labelledby="users-total">
            <h2 id="users-total">Users</h2>
            <p class="figure">{stats.data.total}</p>
            <dl>
              <dt>Active</dt>
              <dd>{stats.data.active}</dd>
              <dt>Inactive</dt>
              <dd>{stats.data.inactive}</dd>
            </dl>
          </section>
          <section class="card" aria-labelledby="users-roles">
            <h2 id="users-roles">By role</h2>
            <dl>
              {roles.map((r) => (
                <Fragment key={r}>
                  <dt>{r}</dt>
                  <dd>{stats.data?.by_role[r]}</dd>
                </Fragment>
              ))}
            </dl>
          </section>
        </div>
      )}
      {editing && (
        <UserForm
          key={editing === 'new' ? 'new' : editing.id}
          user={editing === 'new' ? undefined : editing}
          onSaved={saved}
          onCancel={() => setEditing(undefined)}
        />
      )}
      <Status message={status} />
      <form
        class="filters"
        role="search"
        aria-label="Filter users"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({ search, page: undefined });
        }}
      >
        <Select
          label="Role"
          value={filter.role ?? ''}
          options={['', ...roles]}
          onChange={(e) => setQuery({ role: e.currentTarget.value, page: undefined })}
        />
        <Select
          label="State"
          value={filter.active ?? ''}
          options={[
            { value: '', label: 'any' },
            { value: 'true', label: 'active' },
            { value: 'false', label: 'inactive' },
          ]}
          onChange={(e) => setQuery({ active: e.currentTarget.value, page: undefined })}
        />
        <Field
          label="Name contains"
          type="search"
          value={search}
          onInput={(e) => setSearch(e.currentTarget.value)}
        />
        <button type="submit">Search</button>
      </form>
      <ErrorBox error={users.error} />
      {!users.data && users.loading && <Loading />}
      {users.data && users.data.data.length === 0 && (
        <Empty>No user matches these filters. Clear them, or create one with "New user".</Empty>
      )}
      {users.data && users.data.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Role</th>
              <th scope="col">State</th>
              <th scope="col">Last login</th>
              <th scope="col">Created</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {users.data.data.map((u) => (
              <tr key={u.id}>
                <td>
                  {u.username}
                  {u.id === me?.id && <span class="muted"> (you)</span>}
                </td>
                <td>{u.role}</td>
                <td>
                  <Badge value={u.is_active ? 'active' : 'inactive'} />
                </td>
                <td>
                  <Time value={u.last_login_at} />
                </td>
                <td>
                  <Time value={u.created_at} />
                </td>
                <td>
                  <div class="actions">
                    <button type="button" onClick={() => setEditing(u)} aria-label={`Edit ${u.username}`}>
                      Edit
                    </button>
                    {u.id !== me?.id && (
                      <ConfirmButton
                        label={`Delete ${u.username}`}
                        title={`Delete user ${u.username}?`}
                        confirmLabel="Delete"
                        danger
                        onConfirm={() =>
                          unwrap(client.DELETE('/users/{id}', { params: { path: { id: u.id } } }))
                        }
                        onDone={() => saved(`user ${u.username} deleted`)}
                      >
                        <p>
                          {u.username} can no longer log in and their sessions end. This appends{' '}
                          <code>UserDeleted</code> to the audit log. The last active administrator cannot be
                          deleted.
                        </p>
                      </ConfirmButton>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager meta={users.data?.meta} onPage={(p) => setQuery({ page: String(p) })} />
      <ChangePassword />
    </section>
  );
}
