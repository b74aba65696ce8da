// "Start sync" on the sessions page: an account sync (optionally classified afterwards) or a capacity
// collection of the chosen instances, or of every active one when none is chosen. The confirmation says
// which events the session will append; once started, the page opens the new session.
import { useRef, useState } from 'preact/hooks';
import { client, unwrap } from '../../api/client';
import { useApi } from '../../hooks';
import { Empty, Field, Loading, Select } from '../common';
import { Confirm } from '../confirm';

type Category = 'account' | 'capacity';
const categoryOptions = [
  { value: 'account', label: 'Accounts and permissions' },
  { value: 'capacity', label: 'Capacity (database sizes)' },
];

async function start(category: Category, ids: string[], classify: boolean): Promise<string> {
  const body = ids.length > 0 ? { instance_ids: ids } : {};
  const started =
    category === 'account'
      ? await unwrap(
          client.POST('/instances/actions/sync-accounts', {
            body,
            params: { query: classify ? { then: 'classify' } : {} },
          }),
        )
      : await unwrap(client.POST('/capacity/actions/collect', { body }));
  return started.session_id;
}

function StartDialog({ onClose }: { onClose: (sessionId: string | undefined) => void }) {
  const [category, setCategory] = useState<Category>('account');
  const [classify, setClassify] = useState(false);
  const [search, setSearch] = useState('');
  const [chosen, setChosen] = useState<ReadonlyMap<string, string>>(new Map());
  const instances = useApi(
    () =>
      unwrap(
        client.GET('/instances', {
          params: { query: { active: 'true', deleted: 'false', limit: 50, search: search || undefined } },
        }),
      ),
    [search],
  );
  const toggle = (id: string, name: string, on: boolean) => {
    const next = new Map(chosen);
    if (on) next.set(id, name);
    else next.delete(id);
    setChosen(next);
  };
  const startedId = useRef<string | undefined>(undefined);
  const target =
    chosen.size > 0
      ? `${chosen.size} chosen instance${chosen.size === 1 ? '' : 's'}`
      : 'every active instance';
  const none = instances.data?.length === 0 && !search;
  return (
    <Confirm
      title="Start sync"
      confirmLabel="Start"
      onConfirm={async () => {
        startedId.current = await start(category, [...chosen.keys()], category === 'account' && classify);
      }}
      onClose={(done) => onClose(done ? startedId.current : undefined)}
    >
      <Select
        label="What to sync"
        value={category}
        options={categoryOptions}
        onChange={(e) => setCategory(e.currentTarget.value as Category)}
      />
      {category === 'account' && (
        <label class="check">
          <input type="checkbox" checked={classify} onChange={(e) => setClassify(e.currentTarget.checked)} />{' '}
          Classify the accounts afterwards (a classification session follows)
        </label>
      )}
      <fieldset class="instance-picker">
        <legend>Instances (none chosen: every active instance)</legend>
        <Field
          label="Find an instance"
          type="search"
          value={search}
          onInput={(e) => setSearch(e.currentTarget.value)}
        />
        {none ? (
          <Empty>
            No instances yet: <a href="/instances">register one</a> first.
          </Empty>
        ) : instances.data ? (
          <ul class="checklist">
            {instances.data.map((i) => (
              <li key={i.id}>
                <label class="check">
                  <input
                    type="checkbox"
                    checked={chosen.has(i.id)}
                    onChange={(e) => toggle(i.id, i.name, e.currentTarget.checked)}
                  />{' '}
                  {i.name}{' '}
                  <span class="muted">
                    ({i.db_type}, {i.host}:{i.port})
                  </span>
                </label>
              </li>
            ))}
            {instances.data.length === 0 && <li class="muted">No active instance matches.</li>}
          </ul>
        ) : (
          <Loading />
        )}
      </fieldset>
      <p>
        Starts {category === 'account' ? 'an account sync' : 'a capacity collection'} of {target}. Appends{' '}
        <code>SessionStarted</code>, then for each instance <code>InstanceSyncStarted</code>,{' '}
        {category === 'account' ? (
          <>
            <code>InstanceInventorySynced</code> and <code>PermissionsSynced</code> on its accounts stream
          </>
        ) : (
          <>
            <code>DatabaseInventorySynced</code> and <code>StatsSaved</code> on its capacity stream
          </>
        )}{' '}
        and <code>InstanceSyncCompleted</code> or <code>InstanceSyncFailed</code>;{' '}
        <code>SessionCompleted</code> when every record has ended.
      </p>
    </Confirm>
  );
}

export function StartSync({ onStarted }: { onStarted: (sessionId: string) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" class="primary" onClick={() => setOpen(true)}>
        Start sync
      </button>
      {open && (
        <StartDialog
          onClose={(id) => {
            setOpen(false);
            if (id) onStarted(id);
          }}
        />
      )}
    </>
  );
}
