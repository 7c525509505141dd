// The realtime client of a show (protocol: docs/realtime.md, described in events/protocol.py), the
// one that every page following a show uses (the viewer's event page, the host console).
// LiveConnection keeps the last `seq`; a gap means a message was missed, so it asks for the full
// state again. Viewer counts carry no `seq`: each replaces the last one, and they never count as a
// gap. On a dropped connection it reconnects with exponential backoff and jitter, then gets a fresh
// state. LiveShow applies each change to the show's state (applyMessage), so pages only render.

// The largest message the server reads (MAX_FRAME_BYTES in events/consumers.py).
const MAX_MESSAGE_BYTES = 4096;

export class LiveConnection {
  constructor(url, { onState, onMessage, onStatus = () => {} }) {
    this.url = url;
    this.onState = onState;
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.seq = null;
    this.attempt = 0;
    this.pending = new Map();
    this.nextRef = 1;
    this.lastSync = -Infinity;
    this.connect();
  }

  connect() {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    this.seq = null;
    socket.addEventListener("open", () => {
      this.attempt = 0;
      this.onStatus("connected");
    });
    socket.addEventListener("message", (event) => this.handle(JSON.parse(event.data)));
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      // Commands still waiting will get no answer on this connection: answer them here.
      this.failPending("disconnected", "The connection dropped before the server answered. Try again.");
      this.onStatus("reconnecting");
      if (event.code === 4404) return; // the show does not exist
      // 0.5 s, 1 s, 2 s ... up to 30 s, each spread by up to half again so clients do not stampede.
      const base = Math.min(30000, 500 * 2 ** this.attempt++);
      setTimeout(() => this.connect(), base + Math.random() * base * 0.5);
    });
  }

  handle(message) {
    if (message.type === "state") {
      this.seq = message.seq;
      this.onState(message);
      return;
    }
    if (message.type === "ok" || message.type === "error") {
      const resolve = this.pending.get(message.ref);
      this.pending.delete(message.ref);
      if (resolve) resolve(message);
      else if (message.code === "rate_limited" && this.seq === null) {
        // A snapshot was asked for too soon after the last one: ask again in a moment.
        setTimeout(() => this.send({ type: "sync" }), 2000 + Math.random() * 1000);
      } else if (message.type === "error") this.onMessage(message);
      return;
    }
    if (message.type === "pong") return;
    if (message.type === "resync") {
      // The server lost changes while its Redis was down. Unless a snapshot is on its way, ask for
      // one: no sooner than the server allows (one sync per 2 s), and each client after its own
      // short delay, so that they do not all ask at once.
      if (this.seq === null) return;
      this.seq = null;
      const wait = Math.max(0, 2100 - (Date.now() - this.lastSync)) + Math.random() * 2000;
      setTimeout(() => this.send({ type: "sync" }), wait);
      return;
    }
    if (this.seq === null) return; // the snapshot is on its way
    if (message.seq === undefined || message.seq === null) {
      if (message.type === "viewers") this.onMessage(message); // unnumbered: the latest count wins
      return;
    }
    if (message.seq <= this.seq) return; // already part of the state we have
    if (message.seq !== this.seq + 1) {
      this.seq = null;
      this.send({ type: "sync" }); // missed something: start again from a snapshot
      return;
    }
    this.seq = message.seq;
    this.onMessage(message);
  }

  send(message) {
    if (message.type === "sync") this.lastSync = Date.now();
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  // Sends a command and resolves with the server's {"type": "ok"} or {"type": "error"}, or with an
  // error of its own when the connection cannot carry it: never left without an answer.
  request(message) {
    if (this.socket.readyState !== WebSocket.OPEN) {
      return Promise.resolve(error("disconnected", "Reconnecting to the show. Try again in a moment."));
    }
    const ref = this.nextRef++;
    const text = JSON.stringify({ ...message, ref });
    if (new TextEncoder().encode(text).length > MAX_MESSAGE_BYTES) {
      // The server would refuse it too (events/consumers.py), or drop the connection past 64 KiB.
      return Promise.resolve(error("too_large", `Messages can be at most ${MAX_MESSAGE_BYTES} bytes.`));
    }
    return new Promise((resolve) => {
      this.pending.set(ref, resolve);
      this.socket.send(text);
    });
  }

  failPending(code, text) {
    for (const resolve of this.pending.values()) resolve(error(code, text));
    this.pending.clear();
  }
}

function error(code, message) {
  return { type: "error", code, message };
}

// The chat messages a page keeps: the snapshot brings the last 50, changes add to them.
export const CHAT_KEPT = 200;

// Applies one message from the server to `state` as docs/realtime.md says (in place: `state` stays
// the same object). Replies and errors change nothing.
export function applyMessage(state, message) {
  switch (message.type) {
    case "status":
      state.status = message.status;
      state.event = { ...state.event, ended_at: message.ended_at ?? null };
      if (message.viewers !== undefined) state.viewers = message.viewers;
      if (message.products) applyProducts(state, message.products);
      break;
    case "event":
      state.event = message.event;
      break;
    case "featured":
      state.featured = message.product;
      break;
    case "banner":
      state.banner = message.text;
      break;
    case "announcement":
      state.announcement = message.text;
      break;
    case "products":
      applyProducts(state, message.products);
      break;
    case "stock":
      for (const product of state.products) if (product.id === message.product_id) product.stock = message.stock;
      if (state.featured?.id === message.product_id) state.featured.stock = message.stock;
      break;
    case "chat":
      state.chat = [...state.chat, message.message].slice(-CHAT_KEPT);
      break;
    case "chat_deleted": {
      const ids = new Set(message.ids);
      state.chat = state.chat.filter((chat) => !ids.has(chat.id));
      break;
    }
    case "slow_mode":
      state.slow_mode = message.seconds;
      break;
    case "stream":
      state.stream = message.state;
      break;
    case "viewers":
      state.viewers = message.count;
      break;
  }
}

// The run of show replaced (edited, or repriced as a deal starts or ends): the banner's product is
// the new version of itself.
function applyProducts(state, products) {
  state.products = products;
  if (state.featured) state.featured = products.find((p) => p.id === state.featured.id) ?? state.featured;
}

// A show followed in real time: `state` is always the server's latest word. onState(state) after a
// snapshot replaced it, onChange(message, state) after a message was applied to it.
export class LiveShow {
  constructor(url, state, { onState = () => {}, onChange = () => {}, onStatus = () => {} }) {
    this.state = state;
    this.connection = new LiveConnection(url, {
      onState: (snapshot) => {
        this.state = snapshot;
        onState(snapshot);
      },
      onMessage: (message) => {
        applyMessage(this.state, message);
        onChange(message, this.state);
      },
      onStatus,
    });
  }
}

export function countdownText(date, now = new Date()) {
  let seconds = Math.max(0, Math.round((date - now) / 1000));
  const days = Math.floor(seconds / 86400);
  seconds %= 86400;
  const hours = Math.floor(seconds / 3600);
  seconds %= 3600;
  const minutes = Math.floor(seconds / 60);
  seconds %= 60;
  const parts = days ? [`${days}d`, `${hours}h`, `${minutes}m`] : hours ? [`${hours}h`, `${minutes}m`, `${seconds}s`] : [`${minutes}m`, `${seconds}s`];
  return parts.join(" ");
}

// "Sun, Nov 28, 7:00 PM EST" in the viewer's own time zone.
export function localStartText(date) {
  return new Intl.DateTimeFormat(undefined, {
    weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short",
  }).format(date);
}

export function websocketUrl(path) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${path}`;
}
