import { ApiError } from '../api/rest';

const TITLES: Record<number, string> = {
  0: 'No answer',
  400: 'Bad request',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  429: 'Rate limited',
  503: 'Unavailable',
};

/** Any error, shown with the API's status, message and request id (to quote in a bug report). */
export function ErrorBox({ error, compact }: { error: unknown; compact?: boolean }) {
  if (!error) {
    return null;
  }
  const api = error instanceof ApiError ? error : null;
  const message = error instanceof Error ? error.message : String(error);
  const title = api ? `${api.status || ''} ${TITLES[api.status] ?? api.code}`.trim() : 'Error';
  return (
    <div class={compact ? 'error error-compact' : 'error'} role="alert" data-status={api?.status}>
      <strong>{title}</strong> <span class="error-message">{message}</span>
      {api?.requestId ? <span class="request-id"> request id {api.requestId}</span> : null}
    </div>
  );
}

/** A form's last submit error, on a row of its own in the `.form` grid. */
export function FormError({ error }: { error: unknown }) {
  return (
    <div class="wide">
      <ErrorBox error={error} />
    </div>
  );
}
