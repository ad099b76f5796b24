/**
 * The toolkit's error taxonomy. Three kinds of failure, each with one meaning:
 *
 * - `UserInputError`: what the user asked for cannot be honoured (a malformed file, an unknown
 *   symbol, an architecture that cannot be built, constraints no site satisfies). The CLI exits 2
 *   with the message as one line. Subclasses add where it happened.
 * - `DegenerateSample`: an expected, measure-zero event on a sampled case (a normalisation group
 *   without spread, a flow too stiff to integrate). The case is skipped and counted, never reported
 *   as a failure; one that escapes to the CLI is a bug.
 * - anything else is a bug in the toolkit: the CLI exits 3.
 */

/** The user's input cannot be honoured: exit code 2, the message on one line. */
export class UserInputError extends Error {
  override readonly name: string = 'UserInputError';
}

/** The user's architecture constraints admit no network with the requested site kind. */
export class NoSuchSite extends UserInputError {
  override readonly name: string = 'NoSuchSite';
}

/** An expected degenerate sampled case: skip it and count it. */
export class DegenerateSample extends Error {
  override readonly name: string = 'DegenerateSample';
}
