import type { SelectHTMLAttributes } from "react";
import { DEPARTMENTS } from "@/lib/city/datasets";
import type { Locale } from "@/lib/i18n/messages";
import { departmentName } from "../map/access-text";

/** A choice: its value and the label shown for it. */
export type Choice = readonly [value: string, label: string];

type Props = Omit<SelectHTMLAttributes<HTMLSelectElement>, "value" | "onChange" | "children"> & {
  value: string;
  onChange: (value: string) => void;
  choices: readonly Choice[];
  /** A first option with the value "": a filter's "any", or (disabled) a placeholder to pick from. */
  none?: { label: string; disabled?: boolean };
};

/** A <select> over fixed choices; other props (aria-label, required, disabled, data-testid) go to the <select>. */
export function ChoiceSelect({ value, onChange, choices, none, ...rest }: Props) {
  return (
    <select value={value} onChange={(e) => onChange(e.target.value)} {...rest}>
      {none && (
        <option value="" disabled={none.disabled}>
          {none.label}
        </option>
      )}
      {choices.map(([v, label]) => (
        <option key={v} value={v}>
          {label}
        </option>
      ))}
    </select>
  );
}

/** Every department, named in the UI language. */
export const departmentChoices = (locale: Locale): Choice[] => DEPARTMENTS.map((d) => [d.id, departmentName(d.id, locale)]);
