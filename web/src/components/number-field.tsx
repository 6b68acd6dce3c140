/**
 * A labelled number input whose value stays the text typed, so a half-typed `0.` is not lost;
 * callers convert on submit.
 */
export function NumberField({
  label,
  name,
  min,
  max,
  value,
  onValue,
}: {
  label: string;
  name?: string;
  min: string;
  max?: string;
  value: string;
  onValue: (value: string) => void;
}) {
  return (
    <label>
      {label}
      <input
        name={name}
        type="number"
        min={min}
        max={max}
        step="any"
        value={value}
        onInput={(event) => onValue(event.currentTarget.value)}
      />
    </label>
  );
}
