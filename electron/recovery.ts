// What the window tells the player when its page fails to load or its renderer dies, and
// whether to offer a reload. Pure, so it is unit-tested without Electron; main.ts shows it.

export interface RecoveryPrompt {
  title: string;
  message: string;
  detail: string;
  /** Button labels: index 0 reloads, index 1 quits. */
  buttons: [string, string];
}

const BUTTONS: [string, string] = ['Reload', 'Quit'];

/** Chromium's "aborted": a navigation replaced by another (our own reloads), not a failure. */
const ERR_ABORTED = -3;

/** For `did-fail-load`: a prompt when the main frame could not load, else null. */
export function loadFailure(errorCode: number, errorDescription: string, url: string, isMainFrame: boolean): RecoveryPrompt | null {
  if (!isMainFrame || errorCode === ERR_ABORTED) return null;
  return {
    title: 'Trinca',
    message: 'The game screen could not be loaded.',
    detail: `${url} answered ${errorDescription || 'nothing'} (${errorCode}). The embedded node may still be starting or may have stopped; reload to try again.`,
    buttons: BUTTONS,
  };
}

/** For `render-process-gone`: a prompt unless the renderer exited on purpose. */
export function rendererGone(reason: string, exitCode: number): RecoveryPrompt | null {
  if (reason === 'clean-exit') return null;
  return {
    title: 'Trinca',
    message: 'The game screen stopped unexpectedly.',
    detail: `Its process ended (${reason}, exit code ${exitCode}). Your matches go on in the embedded node; reload to return to them.`,
    buttons: BUTTONS,
  };
}
