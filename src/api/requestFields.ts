// Request fields shared by several routes: names and usernames (one rule for every resource that takes
// one), and reading a raw body field before validation.
import type { Request } from 'express';
import { z } from 'zod';

/** A string field of the raw (not yet validated) JSON body, or '' (used before validation, e.g. by rate limiters). */
export const bodyString = (req: Request, field: string): string => {
  const value = (req.body as Record<string, unknown> | undefined)?.[field];
  return typeof value === 'string' ? value : '';
};

/**
 * Characters that make a name look like another one, or hide part of it, on a screen or in a log:
 * C0 and C1 controls; bidi marks, embeddings, overrides and isolates (U+202E turns "abc.exe" around);
 * zero-width characters and the byte-order mark; line and paragraph separators.
 */
const hiddenCharacter =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff]/;

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** The first hidden character of `text` as U+XXXX, or undefined. */
export const firstHiddenCharacter = (text: string): string | undefined => {
  const found = hiddenCharacter.exec(text);
  return found ? codePoint(found[0]) : undefined;
};

// `abort`: a name refused for what it holds is not also reported as too short or badly formed.
const visible = z.string().refine((s) => firstHiddenCharacter(s) === undefined, {
  error: (issue) =>
    `must not contain control, bidi or zero-width characters (found ${firstHiddenCharacter(String(issue.input))})`,
  abort: true,
});

/** A display name (instance, credential): no hidden characters, trimmed, 1..max characters. */
export const nameField = (max: number) =>
  visible.trim().min(1, { error: 'must not be empty or only spaces', abort: true }).max(max);

/**
 * A username (a login, or an account on a monitored engine): no hidden characters and not only
 * whitespace. Kept as given: an engine account may begin or end with a space.
 */
export const usernameField = (max: number) =>
  visible
    .min(1)
    .max(max)
    .refine((s) => s.trim() !== '', { error: 'must not be only spaces', abort: true });

/** A host name or IP address (an instance's, or ad-hoc connection parameters). */
export const hostField = z
  .string()
  .trim()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9.:_\-[\]]+$/, 'expected a host name or IP address');
