// The host's changes over the video (the featured product, the banner text, the announcement),
// shown when the viewer's video reaches the moment the host made them (docs/realtime.md).
//
// HLS puts a viewer seconds behind the host: a product featured at 20:00:00.000 is picked up on a
// frame the viewer sees at 20:00:04 or so. Each change carries `at` (the server time it was made);
// the stage history keeps what was shown since when, and the page shows the entry of the moment its
// video is at. Everything else (the purchase tab's list, prices, stock, the show's status, chat,
// cart) is applied when it arrives.

// The moment of the show (server time, ms since the epoch) whose stage the viewer should see:
// the frame on screen, or `now` minus the player's latency; never more than `maxDelayMs` before
// `now`, never after it. Infinity (the latest stage) where unknown: no server time yet, no frame
// time and no latency (a recording, the demo clip, Safari without EXT-X-PROGRAM-DATE-TIME).
export function shownMoment({ now, frame = null, behind = null, maxDelayMs }) {
  if (now === null || now === undefined) return Infinity;
  let moment;
  if (frame !== null) moment = frame;
  else if (behind !== null) moment = now - behind * 1000;
  else return Infinity;
  return Math.min(now, Math.max(moment, now - maxDelayMs));
}

// What was over the video since when: entries `{at, featured, banner, announcement}` in time
// order (`featured`: a product id or null; `at` 0 means since before the history began).
export class Stage {
  constructor(history = [], current = null) {
    this.reset(history, current);
  }

  // From a snapshot: its history (entries older than its window but the last of them are gone),
  // or, where there is none, the show's current stage since forever.
  reset(history, current) {
    this.entries = (history || []).map((entry) => ({ ...entry }));
    if (this.entries.length === 0 && current) this.entries.push({ at: 0, ...current });
  }

  // A change (numbered, so it arrives in order) made at `at`: the stage from then on.
  add(at, current) {
    let index = this.entries.length;
    while (index > 0 && this.entries[index - 1].at > at) index--;
    this.entries.splice(index, 0, { at, ...current });
    if (this.entries.length > 100) this.entries.splice(0, this.entries.length - 100);
  }

  // The entry to show at `moment`, and when (server time) the next one is due, or null.
  find(moment) {
    let index = 0;
    while (index + 1 < this.entries.length && this.entries[index + 1].at <= moment) index++;
    const next = this.entries[index + 1];
    return { entry: this.entries[index] ?? null, nextAt: next ? next.at : null };
  }
}
