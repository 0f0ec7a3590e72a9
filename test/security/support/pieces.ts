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
