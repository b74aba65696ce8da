// Given/when/then for the deciders of src/domain: the state is the fold of the given events, the decision
// is the events the command produces (or none, for a decider that only refuses) or the error it throws.
import { expect } from 'vitest';

/** A refusal's code, or the properties the thrown error must have (each compared by equality). */
export type Refusal = string | Record<string, unknown>;

export interface Given<C, E, S> {
  /** The state the given events leave. */
  readonly state: S;
  when(command: C): {
    /** The command is accepted and produces exactly these events, in this order. */
    then(...expected: E[]): void;
    thenThrows(refusal: Refusal): void;
  };
}

export function spec<C, E, S>(
  decide: (command: C, state: S) => readonly E[] | void,
  evolve: (state: S, event: E) => S,
  initialState: () => S,
) {
  return {
    given: (...events: E[]): Given<C, E, S> => {
      const state = events.reduce(evolve, initialState());
      return {
        state,
        when: (command) => ({
          then: (...expected) => expect(decide(command, state) ?? []).toEqual(expected),
          thenThrows: (refusal) =>
            expect(() => decide(command, state)).toThrow(
              expect.objectContaining(typeof refusal === 'string' ? { code: refusal } : refusal),
            ),
        }),
      };
    },
  };
}
