/** BullMQ queue that runs token-record flushes. */
export const TOKEN_FLUSH_QUEUE = 'token-flush';
/** Upper bound of batches one flush job writes before it yields to the next job. */
export const MAX_BATCHES_PER_JOB = 50;
