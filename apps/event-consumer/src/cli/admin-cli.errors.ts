import { AppError } from '@libs/models';

export enum AdminCliErrorCode {
  /** Unknown command or option, missing argument. */
  Usage = 'usage',
  /** The events file cannot be read or is not JSON of the documented shape. */
  InvalidFile = 'invalid_file',
  /** Some events fail validation: nothing was published. */
  InvalidEvents = 'invalid_events',
}

const EXIT_CODES: Record<AdminCliErrorCode, number> = {
  [AdminCliErrorCode.Usage]: 2,
  [AdminCliErrorCode.InvalidFile]: 1,
  [AdminCliErrorCode.InvalidEvents]: 1,
};

/** A failure the command line reports to its user (never a stack trace). */
export class AdminCliError extends AppError<AdminCliErrorCode> {
  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}
