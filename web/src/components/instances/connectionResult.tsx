// The outcome of a connection check, as a live region: "Validate connection params" (the problems, or
// the parameters with defaults filled in) or "Test connection" (connected with the version and latency,
// or the failure's code and message).
import type { paths } from '../../api/client';
import type { ConnectionOutcome } from './model';

type Validation =
  paths['/instances/actions/validate-connection-params']['post']['responses'][200]['content']['application/json']['data'];

export type ProbeResult = ({ kind: 'validated' } & Validation) | ({ kind: 'tested' } & ConnectionOutcome);

export function ConnectionResult({ result }: { result: ProbeResult | undefined }) {
  return (
    <div role="status" aria-live="polite" class="probe">
      {result && <Outcome result={result} />}
    </div>
  );
}

function Outcome({ result }: { result: ProbeResult }) {
  if (result.kind === 'validated') {
    if (result.valid)
      return (
        <p class="ok-text">
          Parameters valid
          {result.normalized && ` (${result.normalized.host}:${result.normalized.port})`}.
        </p>
      );
    return (
      <div class="error">
        <code class="code">VALIDATION_ERROR</code> The parameters have problems:
        <ul>
          {result.problems.map((p) => (
            <li key={p.field}>
              <code>{p.field}</code>: {p.message}
            </li>
          ))}
        </ul>
      </div>
    );
  }
  if (result.ok)
    return (
      <p class="ok-text">
        Connection succeeded{result.version ? `: ${result.version}` : ''}
        {result.latency_ms !== null ? ` in ${result.latency_ms} ms` : ''}.
      </p>
    );
  return (
    <div class="error">
      <code class="code">{result.error_code ?? 'CONNECTION_FAILED'}</code> Connection failed
      {result.message ? `: ${result.message}` : ''}
    </div>
  );
}
