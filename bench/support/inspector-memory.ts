/**
 * Live heap of another Node process, measured through its inspector (`--inspect=127.0.0.1:P`):
 * a full garbage collection first, so the figure is what is retained, not garbage between
 * collections. Uses Node's built-in WebSocket client.
 */
export async function liveMemory(inspectorPort: number): Promise<{ heap: number; rss: number }> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const socket = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  let next = 0;
  type Answer = { id?: number; result?: { result?: { value?: string } } };
  const call = (method: string, params: object = {}) =>
    new Promise<Answer>((resolve) => {
      const id = ++next;
      socket.onmessage = (event: MessageEvent) => {
        const message = JSON.parse(String(event.data)) as Answer;
        if (message.id === id) resolve(message);
      };
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const answer = await call('Runtime.evaluate', {
      expression: 'JSON.stringify(process.memoryUsage())',
      returnByValue: true,
    });
    const usage = JSON.parse(answer.result?.result?.value ?? '{}') as {
      heapUsed: number;
      rss: number;
    };
    return { heap: usage.heapUsed, rss: usage.rss };
  } finally {
    socket.close();
  }
}
