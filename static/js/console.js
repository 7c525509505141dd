// The host console: commands go to the server over HTTP (CSRF-protected); the show's state comes
// back over the same websocket viewers use, so the host sees exactly what viewers see.
import { Broadcast } from "./console_broadcast.js";
import { request } from "./http.js";
import { LiveShow, websocketUrl } from "./live.js";

const root = document.getElementById("console");
const $ = (id) => document.getElementById(id);
let state = JSON.parse($("initial-state").textContent);
const broadcast = new Broadcast($("broadcast"), { state });
const STATUS = { scheduled: "Scheduled", live: "Live", ended: "Ended", cancelled: "Cancelled" };
const STOCK = { in_stock: () => "in stock", low: (s) => `only ${s.left} left`, sold_out: () => "sold out" };

async function command(action, body) {
  $("feedback").textContent = "";
  const { ok, data } = await request(root.dataset.actions.replace("ACTION", action), body);
  if (!ok) $("feedback").textContent = data.error;
  return ok;
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
  const { ok, data } = await request(list.dataset.url);
  if (!ok) return;
  const { restrictions } = data;
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

// What each message from the server changes on the console, once applied to `state` (live.js).
const renders = {
  status: (m) => {
    if (m.products) renderRunOfShow();
    renderStatus();
    broadcast.update(state);
  },
  stream: () => broadcast.update(state),
  featured: () => renderRunOfShow(),
  products: () => renderRunOfShow(),
  viewers: () => renderStatus(),
  stock: () => renderRunOfShow(),
  slow_mode: () => { $("slow-mode").value = String(state.slow_mode); },
  chat: (m) => { $("chat").append(chatItem(m.message)); $("chat").scrollTop = $("chat").scrollHeight; },
  chat_deleted: (m) => {
    for (const id of m.ids) $("chat").querySelector(`[data-message-id="${id}"]`)?.remove();
  },
  error: (m) => { $("feedback").textContent = m.message; },
};

const show = new LiveShow(websocketUrl(root.dataset.ws), state, {
  onState: (snapshot) => { state = snapshot; renderAll(); },
  onChange: (message) => renders[message.type]?.(message),
});
const connection = show.connection;

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
