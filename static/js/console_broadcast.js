// The console's Broadcast card: the server URL and stream key for OBS (the key shown once, when it
// is made), a muted preview of what viewers see, and the stream's health every few seconds.
// Without the video ingest the card only previews the HLS URL the show was given.
import { request } from "./http.js";
import { attachStream } from "./player.js";

const HEALTH_EVERY_MS = 3000;
const COPIED_FOR_MS = 2500;
const STOPPED =
  "Your video stopped: viewers see that it is reconnecting… The show stays live: start streaming again in OBS.";

const number = (value, digits = 0) =>
  Number(value).toLocaleString(undefined, { maximumFractionDigits: digits });

// What the health endpoint says, as the console shows it ("—" where the ingest does not know).
const STATS = {
  // nginx measures the bitrate over 10 s: for the first ones it is not known yet.
  "health-bitrate": (h) =>
    h.bitrate_kbps != null ? `${number(h.bitrate_kbps)} kbps` : h.receiving ? "measuring…" : "—",
  "health-frame-rate": (h) => (h.frame_rate == null ? "—" : `${number(h.frame_rate, 2)} fps`),
  "health-resolution": (h) => h.resolution ?? "—",
  "health-keyframes": (h) => (h.keyframe_interval == null ? "—" : `every ${number(h.keyframe_interval, 1)} s`),
  "health-last-fragment": (h) => (h.last_fragment_seconds == null ? "—" : `${number(h.last_fragment_seconds)} s ago`),
};

// Copy a read-only field with the Clipboard API; where the page may not (plain http on another
// host), select the text for the host to copy with the keyboard.
async function copyField(button) {
  const field = document.getElementById(button.dataset.copy);
  const said = button.parentElement.querySelector(".copied");
  try {
    await navigator.clipboard.writeText(field.value);
    said.textContent = "Copied";
  } catch {
    field.focus();
    field.select();
    said.textContent = "Selected: press Ctrl+C (⌘C on a Mac) to copy";
  }
  clearTimeout(button.copiedTimer);
  button.copiedTimer = setTimeout(() => (said.textContent = ""), COPIED_FOR_MS);
}

export class Broadcast {
  constructor(card, { state }) {
    this.card = card;
    this.ingest = card.dataset.ingest === "1";
    this.hasKey = card.dataset.hasKey === "1";
    this.url = card.dataset.playback;
    this.status = state.status;
    this.stream = state.stream; // the ingest's word: "", "receiving" or "stopped"
    this.health = null;
    this.attached = false;
    this.video = card.querySelector("#preview");
    this.find = (id) => card.querySelector(`#${id}`);

    for (const button of card.querySelectorAll("button.copy")) {
      button.addEventListener("click", () => copyField(button));
    }
    if (this.ingest) {
      this.find("new-stream-key").addEventListener("click", () => this.newKey());
      this.poll();
      setInterval(() => this.poll(), HEALTH_EVERY_MS);
      document.addEventListener("visibilitychange", () => this.poll());
    }
    this.render();
  }

  // The show's state changed (its snapshot, a `status` or a `stream` message).
  update({ status, stream }) {
    const changed = stream !== this.stream;
    this.status = status;
    this.stream = stream;
    this.render();
    if (changed && this.ingest) this.poll();
  }

  // Does video arrive at the ingest now? Its statistics say so (asked every 3 s, and at once when
  // the ingest's callback reports a change); its word that the stream stopped wins.
  get arriving() {
    if (this.stream === "stopped") return false;
    return this.health ? Boolean(this.health.receiving) : this.stream === "receiving";
  }

  // Going live with a key but no video would show viewers a reconnecting player: ask first.
  mayGoLive() {
    if (!this.ingest || !this.hasKey || this.arriving) return true;
    return window.confirm("No video is arriving yet. Go live anyway?");
  }

  async newKey() {
    const ask = "Make a new stream key? The old key stops working at once; OBS must be updated.";
    if (this.hasKey && !window.confirm(ask)) return;
    const button = this.find("new-stream-key");
    const feedback = this.find("key-feedback");
    feedback.textContent = "";
    button.disabled = true;
    try {
      const { ok, data: reply } = await request(this.card.dataset.keyUrl, {});
      if (!ok) {
        feedback.textContent = reply.error;
        return;
      }
      this.hasKey = true;
      this.find("key-hint").textContent = "Your new key is below.";
      this.find("stream-key").value = reply.key;
      this.find("new-key").hidden = false;
      this.find("stream-key").focus();
      this.find("stream-key").select();
      if (reply.playback_url !== this.url) {
        this.url = reply.playback_url;
        this.detach();
      }
      this.poll();
    } finally {
      button.disabled = false;
      this.render();
    }
  }

  async poll() {
    if (this.polling || document.hidden) return;
    this.polling = true;
    try {
      const { ok, data } = await request(this.card.dataset.healthUrl);
      this.health = ok ? data : null;
      if (this.health?.has_key) this.hasKey = true; // (an answer from before a key was made says no)
    } finally {
      this.polling = false;
      this.render();
    }
  }

  render() {
    const stopped = this.ingest && this.status === "live" && this.stream === "stopped";
    const alert = this.find("stream-alert");
    if (alert.textContent !== (stopped ? STOPPED : "")) alert.textContent = stopped ? STOPPED : "";
    this.card.classList.toggle("stopped", stopped);
    if (this.ingest) this.renderHealth();
    this.renderPreview();
  }

  renderHealth() {
    const health = this.health ?? {};
    const pill = this.find("stream-pill");
    const [state, label] = !this.hasKey
      ? ["none", "No stream key"]
      : this.arriving
        ? ["receiving", "Receiving"]
        : [this.status === "live" ? "stopped" : "waiting", "Not receiving"];
    pill.dataset.state = state;
    if (pill.textContent !== label) pill.textContent = label;
    for (const [id, text] of Object.entries(STATS)) this.find(id).textContent = text(health);
    const warnings = health.warnings ?? [];
    const list = this.find("health-warnings");
    if (JSON.stringify(warnings) !== list.dataset.shown) {
      list.dataset.shown = JSON.stringify(warnings);
      list.replaceChildren(
        ...warnings.map((warning) => {
          const item = document.createElement("li");
          item.textContent = warning;
          return item;
        }),
      );
    }
  }

  // The preview plays what viewers see. A show fed by the ingest waits for its playlist (the
  // stream arrives, nginx writes the first fragments), and starts again when a stream comes back.
  renderPreview() {
    const over = this.status === "ended" || this.status === "cancelled";
    const fromIngest = this.ingest && this.hasKey;
    const ready = !fromIngest || (this.arriving && this.health?.last_fragment_seconds != null);
    let note = "";
    if (!this.url) note = "No video yet.";
    else if (over) note = "The show is over.";
    else if (fromIngest && !this.arriving) note = "Waiting for your video from OBS…";
    if (note) this.detach();
    else if (!this.attached && ready) this.attach();
    else if (!this.attached) note = "Your video is arriving…";
    const shown = this.find("preview-note");
    shown.hidden = !note;
    if (shown.textContent !== note) shown.textContent = note;
  }

  attach() {
    this.attached = true;
    this.video.loop = true; // the demo clip loops, as on the event page
    attachStream(this.video, this.url);
    // The playlist may not be there yet (or gone after a drop): let the next health poll retry.
    this.video.hls?.on(window.Hls.Events.ERROR, (_, data) => {
      if (data.fatal && data.type === window.Hls.ErrorTypes.NETWORK_ERROR) this.detach();
    });
  }

  detach() {
    if (!this.attached) return;
    this.attached = false;
    this.video.hls?.destroy();
    this.video.hls = null;
    this.video.removeAttribute("src");
    this.video.load();
  }
}
