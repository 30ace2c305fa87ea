// Prints the demo's numbered steps: one line per step with its outcome and duration, then the
// step's details indented below it.

const WIDTH = 50;

/** A step that failed: which one, and why (already printed). */
class StepFailure extends Error {
  constructor(number, title, cause) {
    super(`step ${number} (${title}): ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'StepFailure';
  }
}

class Walkthrough {
  constructor(out) {
    this.out = out;
    this.count = 0;
  }

  /**
   * Runs `action(note)` as the next step; `note(line)` adds a detail line. Resolves with what
   * the action returned; on failure prints why and rejects with a StepFailure.
   */
  async step(title, action) {
    const number = ++this.count;
    const notes = [];
    const started = performance.now();
    const head = (outcome) => {
      const ms = Math.round(performance.now() - started);
      const dots = '.'.repeat(Math.max(2, WIDTH - title.length));
      return `${String(number).padStart(2)}. ${title} ${dots} ${outcome} ${String(ms).padStart(6)} ms`;
    };
    try {
      const result = await action((line) => notes.push(line));
      this.out(head('ok    '));
      for (const line of notes) this.out(`      ${line}`);
      return result;
    } catch (error) {
      this.out(head('FAILED'));
      for (const line of notes) this.out(`      ${line}`);
      this.out(`      ${error instanceof Error ? error.message : String(error)}`);
      throw new StepFailure(number, title, error);
    }
  }
}

module.exports = { StepFailure, Walkthrough };
