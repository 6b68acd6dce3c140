/** A labelled select whose options show their own values. */
export function SelectField({
  label,
  name,
  options,
  value,
  onValue,
}: {
  label: string;
  name?: string;
  options: readonly string[];
  value: string;
  onValue: (value: string) => void;
}) {
  return (
    <label>
      {label}
      <select name={name} value={value} onChange={(event) => onValue(event.currentTarget.value)}>
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </label>
  );
}
