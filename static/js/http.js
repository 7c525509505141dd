// The one way the pages talk HTTP to Liveshop: JSON in and out, the CSRF token on every write, a
// busy server's 503 sent again after its Retry-After, and an answer for every failure, so that no
// caller is left without one (a network error is { ok: false } with a message for a person).

// How many times a request turned away by a busy server (503, code "busy") is sent in all.
const BUSY_ATTEMPTS = 5;
const UNREACHABLE = "The server could not be reached; try again.";

// The cookie first: signing in (in another tab, so the video keeps playing) renews it. Pages that
// render a form carry the token too, for the first request before any cookie is set.
export function csrfToken() {
  const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
  if (cookie) return decodeURIComponent(cookie.slice("csrftoken=".length));
  return document.querySelector("[name=csrfmiddlewaretoken]")?.value ?? "";
}

// GET `url`, or POST `body` (JSON) when it is given. Resolves with { ok, status, data }.
export async function request(url, body) {
  const options = body === undefined
    ? { credentials: "same-origin" }
    : {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(body),
      };
  for (let attempt = 1; ; attempt++) {
    let response;
    try {
      response = await fetch(url, options);
    } catch {
      return { ok: false, status: 0, data: { error: UNREACHABLE } };
    }
    const data = await response.json().catch(() => ({ error: "The server did not answer. Try again." }));
    // A crowd is buying: the server did not run the request and says when to send it again.
    if (response.status === 503 && data.code === "busy" && attempt < BUSY_ATTEMPTS) {
      const seconds = Number(response.headers.get("Retry-After")) || 1;
      await new Promise((resolve) => setTimeout(resolve, seconds * (500 + Math.random() * 1000)));
      continue;
    }
    return { ok: response.ok, status: response.status, data };
  }
}

// A fragment of a page (server-rendered HTML), or null when it could not be fetched.
export async function fetchHtml(url) {
  try {
    const response = await fetch(url, { credentials: "same-origin" });
    return response.ok ? await response.text() : null;
  } catch {
    return null;
  }
}
