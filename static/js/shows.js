// The lists of shows (home page, /events/): times in the viewer's own time zone, a countdown to each
// upcoming show, and the lists fetched again every few seconds, so a show that goes live or ends
// moves without a reload.

import { fetchHtml } from "./http.js";
import { countdownText, localStartText } from "./live.js";

const lists = document.getElementById("show-lists");

function localize(root) {
  for (const time of root.querySelectorAll("time[data-local]")) {
    const date = new Date(time.dateTime);
    if (!Number.isNaN(date.getTime())) time.textContent = localStartText(date);
  }
}

function tick() {
  for (const element of lists.querySelectorAll("[data-countdown]")) {
    const start = Date.parse(element.dataset.countdown);
    if (Number.isNaN(start)) continue;
    element.textContent = start > Date.now() ? `Starts in ${countdownText(start)}` : "Starting now";
  }
}

async function refresh() {
  const html = await fetchHtml(lists.dataset.refreshUrl);
  if (html === null) return; // keep what is shown; the next turn tries again
  if (html !== lists.dataset.shown) {
    lists.dataset.shown = html;
    lists.innerHTML = html; // rendered and escaped by the server's template
    localize(lists);
    tick();
  }
}

if (lists) {
  localize(lists);
  tick();
  setInterval(tick, 1000);
  const seconds = Number(lists.dataset.refreshSeconds) || 20;
  setInterval(refresh, seconds * 1000);
}
