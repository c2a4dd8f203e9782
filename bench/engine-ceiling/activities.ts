/** The ceiling's activity: no work at all, so what remains is the engine's own cost. */
export async function nothing(): Promise<void> {}
