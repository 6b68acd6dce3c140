/**
 * A titled set of checkboxes picking several of `options`. With `name` each box also carries
 * `name` and its option as `value`, so the choice is visible to anything reading the form.
 */
export function CheckboxGroup({
  title,
  name,
  options,
  selected,
  onChange,
}: {
  title: string;
  name?: string;
  options: readonly string[];
  selected: readonly string[];
  onChange: (selected: string[]) => void;
}) {
  return (
    <div class="field">
      {title}
      <div class="checks">
        {options.map((option) => (
          <label key={option}>
            <input
              type="checkbox"
              name={name}
              value={name === undefined ? undefined : option}
              checked={selected.includes(option)}
              onChange={(event) =>
                onChange(
                  event.currentTarget.checked
                    ? [...selected, option]
                    : selected.filter((each) => each !== option),
                )
              }
            />
            {option}
          </label>
        ))}
      </div>
    </div>
  );
}
