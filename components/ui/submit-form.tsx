import type { FormHTMLAttributes } from "react";

/** A <form> whose submit stays on the page: the browser's navigation is prevented, then `onSubmit` runs. */
export function SubmitForm({ onSubmit, ...rest }: Omit<FormHTMLAttributes<HTMLFormElement>, "onSubmit"> & { onSubmit: () => void }) {
  return (
    <form
      {...rest}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    />
  );
}
