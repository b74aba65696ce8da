// The operators' compensating commands on a session page: per record retry, confirm inventory, revert
// inventory and abandon; per session cancel. Only the actions the record's state allows are offered (the
// API still refuses the others, and its refusal shows with its message code in the confirmation), each
// behind a confirmation that says which events it appends (src/commands/sync/compensations.ts).
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { client, unwrap } from '../../api/client';
import { Field } from '../common';
import { Confirm } from '../confirm';
import { progressOf, type Session, type SessionRecord } from './model';

const INVENTORY_GUARD_CODE = 'INVENTORY_GUARD_TRIPPED';
const retryable = new Set(['account', 'capacity', 'aggregation', 'classification']);
const openStatuses = new Set(['pending', 'running', 'retrying']);

interface Compensation {
  action?: unknown;
}
const compensationsOf = (r: SessionRecord): Compensation[] => {
  const c = r.sync_details?.compensations;
  return Array.isArray(c) ? (c as Compensation[]) : [];
};

/** A button (named for its record) that opens a confirmation. */
function ActionButton(props: {
  label: string;
  name: string;
  title: string;
  confirmLabel: string;
  danger?: boolean;
  children: ComponentChildren;
  onConfirm: () => Promise<unknown>;
  onDone: () => void;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" aria-label={props.name} onClick={() => setOpen(true)}>
        {props.label}
      </button>
      {open && (
        <Confirm
          title={props.title}
          confirmLabel={props.confirmLabel}
          danger={props.danger}
          onConfirm={props.onConfirm}
          onClose={(done) => {
            setOpen(false);
            if (done) props.onDone();
          }}
        >
          {props.children}
        </Confirm>
      )}
    </>
  );
}

/** What a retry of a record of this category appends besides the session's own events. */
function retryWork(category: string, r: SessionRecord): { action: string; what: string; appends: string } {
  switch (category) {
    case 'account':
      return r.phase === 'permissions'
        ? {
            action: 'retry_permissions',
            what: 'its permissions phase runs again (the inventory this session wrote is kept)',
            appends: "PermissionsSynced on the instance's accounts stream",
          }
        : {
            action: 'retry_sync',
            what: 'the whole account sync runs again',
            appends: "InstanceInventorySynced and PermissionsSynced on the instance's accounts stream",
          };
    case 'capacity':
      return {
        action: 'retry_capacity',
        what: 'the capacity collection runs again',
        appends: "DatabaseInventorySynced and StatsSaved on the instance's capacity stream",
      };
    case 'aggregation':
      return {
        action: 'retry_aggregation',
        what: "the session's period is aggregated again for this instance",
        appends: 'InstanceAggregated',
      };
    default:
      return {
        action: 'retry_classification',
        what: 'every account of the instance is classified again with the rules as they are now',
        appends: 'the classification events of its accounts',
      };
  }
}

const recordPath = (session: Session, r: SessionRecord) => ({
  params: { path: { id: session.session_id, instanceId: r.instance_id } },
});

export function RecordActions({
  session,
  record: r,
  onDone,
}: {
  session: Session;
  record: SessionRecord;
  onDone: () => void;
}) {
  const [reason, setReason] = useState('');
  const category = session.sync_category;
  const next = r.attempts + 1;
  const buttons: ComponentChildren[] = [];
  const name = (action: string) => `${action} ${r.instance_name}`;

  if (
    session.status !== 'cancelled' &&
    retryable.has(category) &&
    (r.status === 'failed' || r.status === 'abandoned' || r.status === 'retrying')
  ) {
    const work = retryWork(category, r);
    buttons.push(
      <ActionButton
        key="retry"
        label="Retry"
        name={name('Retry')}
        title={`Retry ${r.instance_name}`}
        confirmLabel="Retry"
        onConfirm={() =>
          unwrap(
            client.POST('/sync-sessions/{id}/records/{instanceId}/actions/retry', {
              params: { ...recordPath(session, r).params, query: { wait: 'false' } },
            }),
          )
        }
        onDone={onDone}
      >
        <p>
          The record of <strong>{r.instance_name}</strong> is in state <em>{r.status}</em>: {work.what}.
        </p>
        <p>
          Appends <code>CompensationApplied</code> ({work.action}) and <code>InstanceSyncRetried</code> to the
          session, then the new attempt's events: <code>InstanceSyncStarted</code> (attempt {next}),{' '}
          {work.appends}, and <code>InstanceSyncCompleted</code> or <code>InstanceSyncFailed</code> (
          <code>SessionCompleted</code> again when it is the last open record).
        </p>
      </ActionButton>,
    );
  }

  if (category === 'account' && r.status === 'failed' && r.error_code === INVENTORY_GUARD_CODE)
    buttons.push(
      <ActionButton
        key="confirm"
        label="Confirm inventory"
        name={name('Confirm inventory of')}
        title={`Confirm the deactivation on ${r.instance_name}`}
        confirmLabel="Confirm and sync"
        danger
        onConfirm={() =>
          unwrap(
            client.POST('/sync-sessions/{id}/records/{instanceId}/actions/confirm-inventory', {
              params: { ...recordPath(session, r).params, query: { wait: 'false' } },
            }),
          )
        }
        onDone={onDone}
      >
        <p>
          The inventory guard stopped this sync because it would deactivate many accounts. Confirming runs the
          whole sync again, allowed past the guard: the accounts missing on the instance are deactivated.
        </p>
        <p>
          Appends <code>CompensationApplied</code> (confirm_inventory) and <code>InstanceSyncRetried</code>,
          then the new attempt's events: <code>InstanceSyncStarted</code> (attempt {next}),{' '}
          <code>InstanceInventorySynced</code> (deactivation confirmed) and <code>PermissionsSynced</code> on
          the accounts stream, and <code>InstanceSyncCompleted</code> or <code>InstanceSyncFailed</code>.
        </p>
      </ActionButton>,
    );

  const inventoryWritten = r.status === 'completed' || (r.status === 'failed' && r.phase === 'permissions');
  const reverted = compensationsOf(r).some((c) => c.action === 'revert_inventory');
  if (category === 'account' && inventoryWritten && !reverted)
    buttons.push(
      <ActionButton
        key="revert"
        label="Revert inventory"
        name={name('Revert inventory of')}
        title={`Revert the inventory of ${r.instance_name}`}
        confirmLabel="Revert inventory"
        danger
        onConfirm={() =>
          unwrap(
            client.POST(
              '/sync-sessions/{id}/records/{instanceId}/actions/revert-inventory',
              recordPath(session, r),
            ),
          )
        }
        onDone={onDone}
      >
        <p>
          Restores the accounts of <strong>{r.instance_name}</strong> as they were before this session's
          inventory. Only possible once, and only while this session's inventory is the instance's latest.
        </p>
        <p>
          Appends <code>InventoryReverted</code> to the instance's accounts stream, then{' '}
          <code>CompensationApplied</code> (revert_inventory) to the session. Nothing is deleted.
        </p>
      </ActionButton>,
    );

  if (openStatuses.has(r.status))
    buttons.push(
      <ActionButton
        key="abandon"
        label="Abandon"
        name={name('Abandon')}
        title={`Abandon ${r.instance_name}`}
        confirmLabel="Abandon record"
        danger
        onConfirm={() =>
          unwrap(
            client.POST('/sync-sessions/{id}/records/{instanceId}/actions/abandon', {
              ...recordPath(session, r),
              body: reason.trim() ? { reason: reason.trim() } : {},
            }),
          )
        }
        onDone={onDone}
      >
        <p>
          The record of <strong>{r.instance_name}</strong> is in state <em>{r.status}</em>. Abandoning ends
          it: an attempt still running cannot land its outcome afterwards.
        </p>
        <p>
          Appends <code>InstanceSyncAbandoned</code> with your reason (and <code>SessionCompleted</code> when
          it is the last open record).
        </p>
        <Field
          label="Reason (optional)"
          maxLength={900}
          value={reason}
          onInput={(e) => setReason(e.currentTarget.value)}
        />
      </ActionButton>,
    );

  return buttons.length > 0 ? <div class="actions">{buttons}</div> : null;
}

export function CancelSession({ session, onDone }: { session: Session; onDone: () => void }) {
  const [reason, setReason] = useState('');
  if (session.status !== 'running') return null;
  const open = session.total_instances - progressOf(session).done;
  return (
    <ActionButton
      label="Cancel session"
      name="Cancel session"
      title="Cancel this session"
      confirmLabel="Cancel session"
      danger
      onConfirm={() =>
        unwrap(
          client.POST('/sync-sessions/{id}/actions/cancel', {
            params: { path: { id: session.session_id } },
            body: reason.trim() ? { reason: reason.trim() } : {},
          }),
        )
      }
      onDone={onDone}
    >
      <p>
        Stops the session: its {open} open record{open === 1 ? '' : 's'} end as abandoned; records that
        already ended keep their outcome. A cancelled session's records cannot be retried.
      </p>
      <p>
        Appends <code>InstanceSyncAbandoned</code> for each open record, then <code>SessionCancelled</code>.
      </p>
      <Field
        label="Reason (optional)"
        maxLength={1000}
        value={reason}
        onInput={(e) => setReason(e.currentTarget.value)}
      />
    </ActionButton>
  );
}
