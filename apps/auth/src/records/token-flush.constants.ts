/** BullMQ queue that runs token-record flushes. */
export const TOKEN_FLUSH_QUEUE = 'token-flush';
/** Job name of the hourly retention job (every other job of the queue is a flush). */
export const PRUNE_JOB = 'prune';
/** Upper bound of batches one flush job writes before it yields to the next job. */
export const MAX_BATCHES_PER_JOB = 50;
