/**
 * Whether a text holds a piece of any of `values`: every 20 characters of each at a stride of 8, so
 * any piece of 27 characters or more holds one, which a pass over the text's 20-character windows finds.
 */
export function piecesFinder(values: Iterable<string>): (text: string) => boolean {
  const pieces = new Set(
    [...values].flatMap((value) =>
      Array.from({ length: Math.floor((value.length - 20) / 8) + 1 }, (_, i) =>
        value.slice(i * 8, i * 8 + 20),
      ),
    ),
  );
  return (text) => {
    for (let i = 0; i + 20 <= text.length; i++) if (pieces.has(text.slice(i, i + 20))) return true;
    return false;
  };
}

/**
 * What an event stream (`/status/events`) sends until `stop()`: its status and headers, then every
 * byte that arrived, for the no-leak search.
 */
export function captureStream(url: string): { text: Promise<string>; stop(): void } {
  const abort = new AbortController();
  const text = fetch(url, { signal: abort.signal }).then(async (response) => {
    let text = `${response.status} ${JSON.stringify(Object.fromEntries(response.headers))} `;
    const decoder = new TextDecoder();
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      // Aborted by stop(): what arrived until then is what is searched.
    }
    return text;
  });
  return { text, stop: () => abort.abort() };
}
