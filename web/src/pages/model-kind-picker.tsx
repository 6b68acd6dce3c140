import { useSession } from '../session';

/** The model kinds a training or a search can ask for. */
export const KINDS = ['lstm', 'gru', 'linear'] as const;

/** Admin only: the kind of model the Train button trains. */
export function ModelKindPicker({
  kind,
  onChange,
}: {
  kind: (typeof KINDS)[number];
  onChange: (kind: (typeof KINDS)[number]) => void;
}) {
  const { isAdmin } = useSession();
  if (!isAdmin) {
    return null;
  }
  return (
    <select
      aria-label="model kind"
      data-admin
      value={kind}
      onChange={(event) => onChange(event.currentTarget.value as (typeof KINDS)[number])}
    >
      {KINDS.map((each) => (
        <option key={each} value={each}>
          {each}
        </option>
      ))}
    </select>
  );
}
