/**
 * Event subjects and trigger patterns, relative to `<ns>.events.`: dot-separated
 * tokens, NATS style. A pattern may use `*` (exactly one token) and `>` (one or
 * more tokens, last only). Tokens are kept to a safe alphabet so a subject is
 * never a wildcard, never empty and never breaks the stream's subject space.
 */

const TOKEN = /^[A-Za-z0-9_:-]{1,64}$/;
export const MAX_EVENT_SUBJECT_LENGTH = 200;
export const MAX_EVENT_SUBJECT_TOKENS = 16;

/** The first token of the subjects Switchyard publishes dead letters on; nobody else may publish there. */
export const DEAD_LETTER_SUBJECT_ROOT = 'deadletter';

/** Why `subject` is not a valid event subject, or undefined when it is. */
export function eventSubjectProblem(subject: string): string | undefined {
  return tokensProblem(subject, false);
}

/** Why `pattern` is not a valid trigger pattern, or undefined when it is. */
export function subjectPatternProblem(pattern: string): string | undefined {
  return tokensProblem(pattern, true);
}

function tokensProblem(value: string, wildcards: boolean): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (value.length > MAX_EVENT_SUBJECT_LENGTH) return `must be at most ${MAX_EVENT_SUBJECT_LENGTH} chars`;
  const tokens = value.split('.');
  if (tokens.length > MAX_EVENT_SUBJECT_TOKENS) return `must have at most ${MAX_EVENT_SUBJECT_TOKENS} tokens`;
  for (const [i, token] of tokens.entries()) {
    if (wildcards && token === '*') continue;
    if (wildcards && token === '>') {
      if (i !== tokens.length - 1) return '">" must be the last token';
      continue;
    }
    if (!TOKEN.test(token)) {
      return wildcards
        ? `token "${token}" must be "*", ">" or 1-64 chars of letters, digits, _ : -`
        : `token "${token}" must be 1-64 chars of letters, digits, _ : - (no wildcards)`;
    }
  }
  return undefined;
}

/** Whether a valid event subject matches a valid pattern (NATS semantics of `*` and `>`). */
export function matchesSubject(pattern: string, subject: string): boolean {
  const want = pattern.split('.');
  const have = subject.split('.');
  for (let i = 0; i < want.length; i += 1) {
    if (want[i] === '>') return have.length > i;
    if (i >= have.length) return false;
    if (want[i] !== '*' && want[i] !== have[i]) return false;
  }
  return want.length === have.length;
}

/** Whether the subject is one Switchyard reserves for its dead-letter events. */
export function isDeadLetterSubject(subject: string): boolean {
  return subject === DEAD_LETTER_SUBJECT_ROOT || subject.startsWith(`${DEAD_LETTER_SUBJECT_ROOT}.`);
}

/**
 * The event subject of a dead letter of a command type: `deadletter.<type>`.
 * Command types may contain `.` (more tokens, fine) but also empty tokens
 * (`a..b`, a trailing dot), which a subject cannot: those become `_`.
 */
export function deadLetterSubject(commandType: string): string {
  const tokens = commandType.split('.').map((t) => t.replace(/[^A-Za-z0-9_:-]/g, '_').slice(0, 64) || '_');
  return [DEAD_LETTER_SUBJECT_ROOT, ...tokens].slice(0, MAX_EVENT_SUBJECT_TOKENS).join('.');
}
