// The lists of shows (home page, /events/): times in the viewer's own time zone, a countdown to each
// upcoming show, and the lists fetched again every few seconds, so a show that goes live or ends
// moves without a reload.

const lists = document.getElementById("show-lists");

const when = new Intl.DateTimeFormat(undefined, {
  weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short",
});

function localize(root) {
  for (const time of root.querySelectorAll("time[data-local]")) {
    const date = new Date(time.dateTime);
    if (!Number.isNaN(date.getTime())) time.textContent = when.format(date);
  }
}

function countdown(ms) {
  if (ms <= 0) return "Starting now";
  const minutes = Math.floor(ms / 60000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return `Starts in ${days} d ${hours} h`;
  if (hours > 0) return `Starts in ${hours} h ${minutes % 60} min`;
  const seconds = Math.floor(ms / 1000) % 60;
  return `Starts in ${minutes}:${String(seconds).padStart(2, "0")}`;
}

function tick() {
  for (const element of lists.querySelectorAll("[data-countdown]")) {
    const start = Date.parse(element.dataset.countdown);
    if (!Number.isNaN(start)) element.textContent = countdown(start - Date.now());
  }
}

async function refresh() {
  try {
    const response = await fetch(lists.dataset.refreshUrl, { credentials: "same-origin" });
    if (!response.ok) return; // keep what is shown; the next turn tries again
    const html = await response.text();
    if (html !== lists.dataset.shown) {
      lists.dataset.shown = html;
      lists.innerHTML = html; // rendered and escaped by the server's template
      localize(lists);
      tick();
    }
  } catch {
    // offline for a moment: the next turn tries again
  }
}

if (lists) {
  localize(lists);
  tick();
  setInterval(tick, 1000);
  const seconds = Number(lists.dataset.refreshSeconds) || 20;
  setInterval(refresh, seconds * 1000);
}
