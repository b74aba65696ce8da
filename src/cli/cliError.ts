// A refusal of the command line: printed as is (no stack), with its exit code (2: the command or its
// arguments cannot be used as given).
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
