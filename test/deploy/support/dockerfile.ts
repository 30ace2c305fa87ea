// A Dockerfile reader for the static checks: instructions with their arguments (continuation
// lines joined, comments dropped), grouped into build stages, global ARG defaults substituted.

/** One instruction, e.g. `{ keyword: 'COPY', flags: { from: 'build' }, args: ['a', 'b'] }`. */
export interface Instruction {
  keyword: string;
  flags: Record<string, string>;
  /** Arguments: the JSON array when written in exec form, else split on whitespace. */
  args: string[];
  /** True when written as a JSON array (exec form). */
  exec: boolean;
  line: number;
}

export interface Stage {
  name: string | undefined;
  /** The image or earlier stage this one starts from, ARGs substituted. */
  base: string;
  instructions: Instruction[];
}

/** The stages of a Dockerfile, in order. */
export function parseDockerfile(text: string): Stage[] {
  const globals: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of instructions(text)) {
    const { keyword, args } = instruction;
    if (keyword === 'FROM') {
      const base = args[0].replace(/\$\{?(\w+)\}?/g, (_, name: string) => globals[name] ?? '');
      const as = args[1]?.toUpperCase() === 'AS' ? args[2] : undefined;
      stages.push({ name: as, base, instructions: [] });
    } else if (stages.length === 0) {
      if (keyword !== 'ARG') throw new Error(`line ${instruction.line}: ${keyword} before FROM`);
      const [name, value = ''] = args[0].split('=');
      globals[name] = value;
    } else stages[stages.length - 1].instructions.push(instruction);
  }
  return stages;
}

function instructions(text: string): Instruction[] {
  const found: Instruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) return;
    if (pending === '') start = index + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    found.push(instruction(`${pending}${line}`, start));
    pending = '';
  });
  return found;
}

function instruction(text: string, line: number): Instruction {
  const [keyword, ...rest] = text.split(/\s+/);
  const flags: Record<string, string> = {};
  while (rest[0]?.startsWith('--')) {
    const [flag, value = ''] = rest.shift()!.slice(2).split('=');
    flags[flag] = value;
  }
  const body = rest.join(' ');
  // HEALTHCHECK's options precede its CMD, whose arguments are what matters.
  const command = keyword.toUpperCase() === 'HEALTHCHECK' ? body.replace(/^CMD\s+/, '') : body;
  const exec = command.startsWith('[');
  const args = exec ? (JSON.parse(command) as string[]) : command.split(/\s+/).filter(Boolean);
  return { keyword: keyword.toUpperCase(), flags, args, exec, line };
}
