// The viewer's event page: renders the show's state and follows the host in real time.
// Everything from the server is written with textContent, never as HTML.
import { CHAT_KEPT, LiveShow, countdownText, localStartText, websocketUrl } from "./live.js";
import { attachStream, frameTime, liveLatency, resumeStream } from "./player.js";
import { Buying } from "./buy.js";
import { VideoControls } from "./video_controls.js";
import { Stage, shownMoment } from "./video_sync.js";

const root = document.getElementById("show");
const $ = (id) => document.getElementById(id);
let state = JSON.parse($("initial-state").textContent);
const buyingConfig = JSON.parse($("buying").textContent);

const STOCK_TEXT = { in_stock: () => "In stock", low: (s) => `Only ${s.left} left`, sold_out: () => "Sold out" };

function stockText(stock) {
  return STOCK_TEXT[stock.state](stock);
}

// An ended or cancelled show takes its banner, announcement and viewer count down (kept by the
// server: a show resumed within a minute of ending shows them again).
const isOver = () => ["ended", "cancelled"].includes(state.status);

// The server's clock minus this browser's. A snapshot's `now` and a change's `at` were read before
// they were sent, so each gives a lower bound: the largest since the last snapshot is kept.
let clockOffset = null;
function clockSample(serverTime) {
  if (!Number.isFinite(serverTime)) return;
  const sample = serverTime - Date.now();
  if (clockOffset === null || sample > clockOffset) clockOffset = sample;
}
const serverNow = () => (clockOffset === null ? null : Date.now() + clockOffset);

// The featured product, banner text and announcement change when the viewer's video reaches the
// moment the host changed them (video_sync.js, docs/realtime.md): `shown` is the stage of that
// moment. `state` stays the server's latest word: the tab, prices, stock and cart use it at once.
const currentStage = () => ({
  featured: state.featured?.id ?? null,
  banner: state.banner || "",
  announcement: state.announcement || "",
});
const stage = new Stage(state.stage?.history, currentStage());
let shown = currentStage();
let shownEntry = null; // the stage entry `shown` is
let stageTimer = null;

function stageMoment() {
  if (state.status !== "live" || state.stream === "stopped" || replaying) return Infinity;
  return shownMoment({
    now: serverNow(),
    frame: frameTime(video),
    behind: liveLatency(video),
    maxDelayMs: (state.stage?.max_delay ?? 15) * 1000,
  });
}

// The product a stage entry features, as it is now (its price and stock are never delayed).
function stageProduct(id) {
  if (id === null || id === undefined) return null;
  return state.products.find((p) => p.id === id) ?? (state.featured?.id === id ? state.featured : null);
}

// Shows the stage of the moment the video is at. `always`: render even if that is the same entry
// (the state changed: the show ended, a product was repriced).
function renderStage({ always = true } = {}) {
  clearTimeout(stageTimer);
  const moment = stageMoment();
  const { entry, nextAt } = stage.find(moment);
  if (always || entry !== shownEntry) {
    shownEntry = entry;
    shown = entry ?? currentStage();
    renderBanner();
    renderAnnouncement();
    for (const item of $("show-products").children) {
      item.classList.toggle("featured", Number(item.dataset.productId) === shown.featured);
    }
  }
  // Look again when the next change is due (sooner if the video's delay changes meanwhile).
  const wait = Math.min(1000, Math.max(20, nextAt - moment));
  if (nextAt !== null) stageTimer = setTimeout(() => renderStage({ always: false }), wait);
}

// A live show whose stream stopped (the host's encoder or network): the page stays as it is, the
// player keeps trying, and viewers are told; the show goes on.
let streamStopped = state.stream === "stopped";
function renderStream() {
  const stopped = state.stream === "stopped";
  const text = state.status === "live" && stopped ? "The host's video is reconnecting…" : "";
  if ($("stream-status").textContent !== text) $("stream-status").textContent = text;
  if (streamStopped && !stopped && streamAttached) resumeStream(video); // it is back
  streamStopped = stopped;
}

function renderStatus() {
  root.dataset.status = state.status;
  syncVideo();
  renderStream();
  $("live-badge").hidden = state.status !== "live";
  $("viewers").hidden = state.status !== "live";
  renderStage(); // the banner and the announcement
  $("video-controls").hidden = state.status !== "live" && !replaying; // nothing to play before or after the show but its replay
  $("pre-show").hidden = state.status !== "scheduled";
  $("ended").hidden = !isOver() || replaying;
  renderReplayOffer();
  $("ended-text").textContent = state.status === "cancelled" ? "This show was cancelled" : "This show has ended";
}

// The price a viewer pays now; during a flash deal, the regular price struck through beside it.
function priceNodes(product) {
  const now = document.createElement("span");
  now.className = "now";
  now.textContent = product.price_display;
  if (!product.deal || !product.regular_price_display) return [now];
  const was = document.createElement("s");
  was.className = "was";
  was.textContent = product.regular_price_display;
  const label = document.createElement("span");
  label.className = "deal";
  label.textContent = "Live deal";
  return [now, " ", was, " ", label];
}

function renderAnnouncement() {
  if ($("announcement").textContent !== shown.announcement) $("announcement").textContent = shown.announcement;
  $("announcement").hidden = !shown.announcement || isOver();
}

function renderBanner() {
  const product = stageProduct(shown.featured);
  const banner = $("purchase-banner");
  banner.hidden = (!product && !shown.banner) || isOver();
  banner.classList.toggle("text-only", !product);
  $("banner-text").textContent = shown.banner;
  $("banner-text").hidden = !shown.banner;
  if (!product) return;
  $("banner-title").textContent = product.title;
  $("banner-price").replaceChildren(...priceNodes(product));
  $("banner-stock").textContent = stockText(product.stock);
  $("banner-stock").dataset.state = product.stock.state;
  const image = $("banner-image");
  image.hidden = !product.image;
  if (product.image) image.src = product.image;
  const buy = $("banner-buy");
  if (buy) {
    buy.setAttribute("aria-label", `Buy ${product.title}`);
    buy.disabled = product.stock.state === "sold_out";
  }
}

function productItem(product) {
  const item = document.createElement("li");
  item.className = "show-product";
  item.dataset.productId = product.id;
  item.classList.toggle("featured", shown.featured === product.id);
  if (product.image) {
    const img = document.createElement("img");
    img.src = product.image;
    img.alt = "";
    img.width = 64;
    img.height = 64;
    img.loading = "lazy";
    item.append(img);
  }
  const body = document.createElement("div");
  const title = document.createElement("p");
  title.className = "title";
  title.textContent = product.title;
  const price = document.createElement("p");
  price.className = "price";
  price.append(...priceNodes(product));
  const stock = document.createElement("span");
  stock.className = "stock";
  stock.dataset.state = product.stock.state;
  stock.textContent = stockText(product.stock);
  price.append(" ", stock);
  body.append(title, price);
  item.append(body);
  if (buyingConfig.allowed) {
    const buy = document.createElement("button");
    buy.type = "button";
    buy.className = "buy";
    buy.textContent = "Buy";
    buy.disabled = product.stock.state === "sold_out";
    buy.setAttribute("aria-label", `Buy ${product.title}`);
    buy.addEventListener("click", () => openBuying(product.id));
    item.append(buy);
  }
  return item;
}

function renderProducts() {
  // The list is redrawn on every change; a keyboard user's focus stays on the same product's button.
  const focused = document.activeElement?.closest("#show-products > li")?.dataset.productId;
  $("show-products").replaceChildren(...state.products.map(productItem));
  if (focused) $("show-products").querySelector(`[data-product-id="${focused}"] button`)?.focus();
  document.querySelectorAll(".open-drawer .count").forEach((el) => (el.textContent = state.products.length));
}

function chatItem(message) {
  const item = document.createElement("li");
  item.dataset.messageId = message.id;
  item.classList.toggle("from-brand", message.brand);
  const author = document.createElement("strong");
  author.textContent = message.author;
  const body = document.createElement("span");
  body.textContent = ` ${message.body}`;
  if (message.brand) {
    // Said by the brand (its owner or a host): labelled in words, not only by colour.
    const label = document.createElement("span");
    label.className = "brand-label";
    label.textContent = "Brand";
    item.append(author, " ", label, body);
  } else {
    item.append(author, body);
  }
  return item;
}

function renderChat() {
  $("chat").replaceChildren(...state.chat.map(chatItem));
  scrollChat();
}

function scrollChat() {
  const chat = $("chat");
  chat.scrollTop = chat.scrollHeight;
}

function renderAll() {
  renderEvent();
  renderStatus(); // the stream, the banner and the announcement too
  renderProducts();
  renderChat();
  renderViewers();
}

function renderViewers() {
  $("viewer-count").textContent = state.viewers;
}

// What each message from the server changes on the page, once applied to `state` (live.js).
const renders = {
  status: (m) => {
    renderViewers();
    if (m.products) renderProducts(); // repriced as a deal starts or ends (the banner: renderStatus)
    renderStatus();
  },
  products: () => { renderBanner(); renderProducts(); },
  event: () => renderEvent(),
  featured: (m) => stageChanged(m),
  banner: (m) => stageChanged(m),
  announcement: (m) => stageChanged(m),
  stream: () => { renderStream(); renderStage(); },
  viewers: () => renderViewers(),
  stock: () => { renderBanner(); renderProducts(); },
  chat: (m) => {
    $("chat").append(chatItem(m.message));
    while ($("chat").children.length > CHAT_KEPT) $("chat").firstElementChild.remove();
    scrollChat();
  },
  chat_deleted: (m) => {
    for (const id of m.ids) $("chat").querySelector(`[data-message-id="${id}"]`)?.remove();
  },
  error: (m) => showChatError(m.message),
};

// The host changed what is over the video: shown once the video reaches `at` (see renderStage).
function stageChanged(message) {
  stage.add(message.at ?? serverNow() ?? 0, currentStage());
  renderStage();
}

function showChatError(text) {
  const error = $("chat-error");
  if (error) error.textContent = text;
}

const show = new LiveShow(websocketUrl(root.dataset.ws), state, {
  onState: (snapshot) => {
    state = snapshot;
    clockOffset = null;
    clockSample(snapshot.now);
    stage.reset(snapshot.stage?.history, currentStage());
    renderAll();
  },
  onChange: (message) => {
    if (clockOffset !== null) clockSample(message.at);
    renders[message.type]?.(message);
  },
  onStatus: (status) => root.classList.toggle("reconnecting", status === "reconnecting"),
});
const connection = show.connection;

// Chat
$("chat-form")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = $("chat-input");
  const body = input.value.trim();
  if (!body) return;
  const reply = await connection.request({ type: "chat", body });
  if (reply.type === "ok") {
    input.value = "";
    showChatError("");
  } else {
    showChatError(reply.message);
  }
});

// Tabs and the phone drawer
const TABS = buyingConfig.allowed ? ["products", "chat", "cart"] : ["products", "chat"];
function selectTab(name) {
  for (const tab of TABS) {
    const selected = tab === name;
    $(`tab-${tab}`).setAttribute("aria-selected", String(selected));
    $(`tab-${tab}`).tabIndex = selected ? 0 : -1;
    $(`panel-${tab}`).hidden = !selected;
  }
  if (name === "chat") scrollChat();
}
$("tab-products").addEventListener("click", () => selectTab("products"));
$("tab-chat").addEventListener("click", () => selectTab("chat"));
$("tab-cart")?.addEventListener("click", () => selectTab("cart"));
$("side").querySelector('[role="tablist"]').addEventListener("keydown", (event) => {
  if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
  const current = TABS.findIndex((tab) => $(`tab-${tab}`).getAttribute("aria-selected") === "true");
  const next = TABS[(current + (event.key === "ArrowRight" ? 1 : TABS.length - 1)) % TABS.length];
  selectTab(next);
  $(`tab-${next}`).focus();
});
// On a phone the tabs are a drawer over the page; closing it returns focus to the button that opened it.
const drawerButtons = document.querySelectorAll(".open-drawer");
let drawerOpener = null;
function setDrawer(open, opener = null) {
  $("side").classList.toggle("open", open);
  root.classList.toggle("drawer-open", open); // on a phone the video docks above the drawer
  drawerButtons.forEach((button) => button.setAttribute("aria-expanded", String(open && button === opener)));
  if (open) {
    drawerOpener = opener;
    $("close-drawer").focus();
  } else {
    drawerOpener?.focus();
    drawerOpener = null;
  }
}
drawerButtons.forEach((button) =>
  button.addEventListener("click", () => {
    selectTab(button.dataset.tab);
    setDrawer(true, button);
  }),
);
$("close-drawer").addEventListener("click", () => setDrawer(false));
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && $("side").classList.contains("open")) setDrawer(false);
});

// Buying in the page: the side panel's Cart tab (on a phone, inside the drawer).
const buying = buyingConfig.allowed
  ? new Buying({
      config: buyingConfig,
      onCartCount: (count) => ($("cart-count").textContent = count),
      onDone: keepWatching,
      onShow: showCart,
    })
  : null;
function showCart(opener = null) {
  selectTab("cart");
  if (!$("side").classList.contains("open") && getComputedStyle($("close-drawer")).display !== "none") {
    setDrawer(true, opener); // closing it gives the focus back to that Buy button
  }
}
function openBuying(productId, opener) {
  showCart(opener);
  buying.pick(productId);
}
// After the confirmation: back to the products, and on a phone the drawer closes over the video.
function keepWatching() {
  selectTab("products");
  if ($("side").classList.contains("open")) setDrawer(false);
  else $("tab-products").focus();
}
$("banner-buy")?.addEventListener("click", () => {
  const product = stageProduct(shown.featured); // the product the viewer sees in the banner
  if (product) openBuying(product.id, $("banner-buy"));
});

// Video: the stream plays while the show is live; before and after it, the poster and a panel.
const video = $("video");
video.loop = true;
// A video that starts (or catches up) shows the stage of its own moment, a late joiner's included.
for (const type of ["timeupdate", "playing", "seeked"]) video.addEventListener(type, () => renderStage({ always: false }));
const controls = new VideoControls(video, video.closest(".player"));
let streamAttached = false;
// After the show, its recording plays in the same player, with its controls.
let replaying = false;
function renderReplayOffer() {
  $("watch-replay").hidden = state.status !== "ended" || !state.event.replay_url || replaying;
}
$("watch-replay").addEventListener("click", () => {
  replaying = true;
  video.loop = false;
  attachStream(video, state.event.replay_url);
  video.muted = false;
  video.play().catch(() => {});
  renderStatus();
  $("play-toggle").focus();
});

function syncVideo() {
  if (replaying) return;
  if (state.status === "live" && !streamAttached) {
    attachStream(video, root.dataset.stream, { live: true });
    streamAttached = true;
  } else if (state.status === "live" && video.paused) {
    controls.play(); // a show resumed after ending: play on, unless the viewer paused it
  } else if (state.status !== "live" && streamAttached) {
    video.pause();
  }
}

// The show's title, host and start (changed in the Shopping Manager: an `event` change or a new state).
function renderEvent() {
  const event = state.event;
  document.title = `${event.title} — ${event.brand} live on Liveshop`;
  document.querySelector(".show-head h1").textContent = event.title;
  document.querySelector(".show-head .host strong").textContent = event.host;
  $("video").setAttribute("aria-label", `Live video of ${event.title}`);
  start = new Date(event.scheduled_start);
  $("start-time").dateTime = event.scheduled_start;
  $("start-time").textContent = localStartText(start);
  renderReplayOffer();
  tick();
}

// Countdown in the viewer's own time zone
let start = new Date(state.event.scheduled_start);
$("start-time").textContent = localStartText(start);
function tick() {
  $("countdown").textContent = start > new Date() ? `Starts in ${countdownText(start)}` : "Starting soon";
}
tick();
setInterval(tick, 1000);

renderAll();
window.liveshop = {
  connection,
  get state() { return state; },
  // How the page syncs the banner to the video (server times, ms): for tests and debugging.
  videoSync: () => ({ now: serverNow(), frame: frameTime(video), behind: liveLatency(video), moment: stageMoment(), shown }),
};
