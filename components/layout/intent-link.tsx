"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import type { ComponentProps } from "react";

/**
 * A link that prefetches its page when a person points at it or tabs to it, not when it is
 * drawn. The header's links were prefetched as the map loaded: nine requests rendering other
 * pages on the console's one thread in the same second as the map's own requests, and their
 * answers parsed on the page's main thread while the map's code was starting.
 */
export function IntentLink(props: ComponentProps<typeof Link>) {
  const router = useRouter();
  const { href, onMouseEnter, onFocus, onTouchStart } = props;
  const prefetch = () => {
    if (typeof href === "string") router.prefetch(href);
  };
  return (
    <Link
      {...props}
      prefetch={false}
      onMouseEnter={(e) => {
        prefetch();
        onMouseEnter?.(e);
      }}
      onFocus={(e) => {
        prefetch();
        onFocus?.(e);
      }}
      onTouchStart={(e) => {
        prefetch();
        onTouchStart?.(e);
      }}
    />
  );
}
