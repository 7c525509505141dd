// The host console: commands go to the server over HTTP (CSRF-protected); the show's state comes
// back over the same websocket viewers use, so the host sees exactly what viewers see.
import { LiveConnection, websocketUrl } from "./live.js";
import { Broadcast } from "./console_broadcast.js";

const root = document.getElementById("console");
const $ = (id) => document.getElementById(id);
const csrf = root.querySelector("[name=csrfmiddlewaretoken]").value;
let state = JSON.parse($("initial-state").textContent);
const broadcast = new Broadcast($("broadcast"), { csrf, state });
const STATUS = { scheduled: "Scheduled", live: "Live", ended: "Ended", cancelled: "Cancelled" };
const STOCK = { in_stock: () => "in stock", low: (s) => `only ${s.left} left`, sold_out: () => "sold out" };

async function command(action, body) {
  $("feedback").textContent = "";
  const response = await fetch(root.dataset.actions.replace("ACTION", action), {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  const reply = await response.json().catch(() => ({ error: "The server did not answer." }));
  if (!response.ok) $("feedback").textContent = reply.error;
  return response.ok;
}

function button(label, onClick, { className = "", name = "" } = {}) {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = label;
  element.className = className;
  if (name) element.setAttribute("aria-label", name); // says which product or message it acts on
  element.addEventListener("click", onClick);
  return element;
}

// "End show" can be undone for a short while (the server checks the same window).
function resumeSecondsLeft() {
  const endedAt = Date.parse(state.event.ended_at ?? "");
  if (state.status !== "ended" || Number.isNaN(endedAt)) return 0;
  return Math.max(0, Math.ceil(Number(root.dataset.undoSeconds) - (Date.now() - endedAt) / 1000));
}

function renderResume() {
  const left = resumeSecondsLeft();
  $("resume-show").hidden = left === 0;
  $("resume-note").hidden = left === 0;
  $("resume-left").textContent = left;
}

// Moderation: the host is told when an action took effect, and sees who is muted or banned.
const DONE = {
  mute: (name) => `${name} is muted: they can still watch and read the chat.`,
  ban: (name) => `${name} is banned: their messages were removed from the chat.`,
};

async function restrict(messageId, kind, name) {
  if (await command("chat_restrict", { message_id: messageId, kind })) {
    $("moderation-status").textContent = DONE[kind](name);
    loadRestrictions();
  }
}

async function lift(restriction) {
  if (await command("chat_unrestrict", { restriction_id: restriction.id })) {
    $("moderation-status").textContent = `${restriction.name} can chat again.`;
    loadRestrictions();
  }
}

async function loadRestrictions() {
  const list = $("restrictions");
  const response = await fetch(list.dataset.url, { credentials: "same-origin" });
  if (!response.ok) return;
  const { restrictions } = await response.json();
  list.replaceChildren(
    ...restrictions.map((restriction) => {
      const item = document.createElement("li");
      const who = document.createElement("span");
      who.textContent = `${restriction.name} · ${restriction.label}`;
      const verb = restriction.kind === "ban" ? "Unban" : "Unmute";
      item.append(who, button(verb, () => lift(restriction), { name: `${verb} ${restriction.name}` }));
      return item;
    }),
  );
  $("restrictions-empty").hidden = restrictions.length > 0;
}

function renderStatus() {
  $("status").textContent = STATUS[state.status];
  $("go-live").disabled = state.status !== "scheduled";
  $("end-show").disabled = state.status !== "live";
  $("viewer-count").textContent = state.viewers;
  renderResume();
}

function renderRunOfShow() {
  $("run-of-show").replaceChildren(
    ...state.products.map((product) => {
      const item = document.createElement("li");
      const featured = state.featured?.id === product.id;
      item.classList.toggle("featured", featured);
      const info = document.createElement("div");
      info.className = "info";
      const title = document.createElement("strong");
      title.textContent = product.title;
      const meta = document.createElement("div");
      meta.textContent = `${product.price_display} · ${STOCK[product.stock.state](product.stock)}`;
      info.append(title, meta);
      const feature = button(featured ? "Featured" : "Feature", () => command("feature", { product_id: product.id }), {
        name: `${featured ? "Featured" : "Feature"} ${product.title}`,
      });
      feature.disabled = featured;
      item.append(info, feature);
      return item;
    }),
  );
}

function chatItem(message) {
  const item = document.createElement("li");
  item.dataset.messageId = message.id;
  item.classList.toggle("from-brand", message.brand);
  const text = document.createElement("p");
  const author = document.createElement("strong");
  author.textContent = message.author;
  text.append(author, ` ${message.body}`);
  const tools = document.createElement("span");
  tools.className = "tools";
  const by = message.author;
  tools.append(button("Delete", () => command("chat_delete", { message_id: message.id }), { name: `Delete message from ${by}` }));
  if (!message.brand) {
    tools.append(
      button("Mute", () => restrict(message.id, "mute", by), { name: `Mute ${by}` }),
      button("Ban", () => restrict(message.id, "ban", by), { name: `Ban ${by}` }),
    );
  }
  item.append(text, tools);
  return item;
}

function renderChat() {
  $("chat").replaceChildren(...state.chat.map(chatItem));
  $("chat").scrollTop = $("chat").scrollHeight;
}

function renderAll() {
  renderStatus();
  renderRunOfShow();
  renderChat();
  broadcast.update(state);
  $("slow-mode").value = String(state.slow_mode);
}

const handlers = {
  status: (m) => {
    state.status = m.status;
    state.event = { ...state.event, ended_at: m.ended_at ?? null };
    if (m.viewers !== undefined) state.viewers = m.viewers;
    if (m.products) { state.products = m.products; renderRunOfShow(); }
    renderStatus();
    broadcast.update(state);
  },
  stream: (m) => { state.stream = m.state; broadcast.update(state); },
  featured: (m) => { state.featured = m.product; renderRunOfShow(); },
  products: (m) => { state.products = m.products; renderRunOfShow(); },
  viewers: (m) => { state.viewers = m.count; renderStatus(); },
  stock: (m) => {
    for (const product of state.products) if (product.id === m.product_id) product.stock = m.stock;
    renderRunOfShow();
  },
  banner: (m) => { state.banner = m.text; },
  announcement: (m) => { state.announcement = m.text; },
  slow_mode: (m) => { state.slow_mode = m.seconds; $("slow-mode").value = String(m.seconds); },
  chat: (m) => { state.chat.push(m.message); $("chat").append(chatItem(m.message)); $("chat").scrollTop = $("chat").scrollHeight; },
  chat_deleted: (m) => {
    const ids = new Set(m.ids);
    state.chat = state.chat.filter((message) => !ids.has(message.id));
    for (const id of ids) $("chat").querySelector(`[data-message-id="${id}"]`)?.remove();
  },
  error: (m) => { $("feedback").textContent = m.message; },
};

const connection = new LiveConnection(websocketUrl(root.dataset.ws), {
  onState: (snapshot) => { state = snapshot; renderAll(); },
  onMessage: (message) => handlers[message.type]?.(message),
});

for (const id of ["go-live", "end-show", "resume-show"]) {
  $(id).addEventListener("click", () => {
    const to = $(id).dataset.status;
    const ask = `End the show for every viewer? You can resume it within ${root.dataset.undoSeconds} seconds.`;
    if (to === "ended" && !confirm(ask)) return;
    if (id === "go-live" && !broadcast.mayGoLive()) return;
    command("status", { status: to });
  });
}
setInterval(renderResume, 1000);
$("unfeature").addEventListener("click", () => command("feature", { product_id: null }));
$("banner-form").addEventListener("submit", (e) => { e.preventDefault(); command("banner", { text: $("banner-input").value }); });
$("banner-clear").addEventListener("click", () => { $("banner-input").value = ""; command("banner", { text: "" }); });
$("announcement-form").addEventListener("submit", (e) => { e.preventDefault(); command("announcement", { text: $("announcement-input").value }); });
$("announcement-clear").addEventListener("click", () => { $("announcement-input").value = ""; command("announcement", { text: "" }); });
$("slow-mode").addEventListener("change", () => command("slow_mode", { seconds: Number($("slow-mode").value) }));
$("chat-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const reply = await connection.request({ type: "chat", body: $("chat-input").value });
  if (reply.type === "ok") $("chat-input").value = "";
  else $("feedback").textContent = reply.message;
});

renderAll();
loadRestrictions();
window.liveshop = { connection, get state() { return state; } };
