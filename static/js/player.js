// Plays an HLS stream: natively where the browser is Safari (macOS, iOS), through hls.js elsewhere;
// an MP4 recording plays natively everywhere.
// hls.js is installed from the npm registry at setup (package-lock.json) and served as a static file.
//
// A live show's stream (`{ live: true }`) is never given up on: when it fails to load (the host's
// encoder dropped and the playlist went away), it is loaded again with backoff until it plays;
// `resumeStream` says the host's video is arriving again.
// `frameTime` tells the page when the frame on screen was filmed, so that the host's changes can
// be shown in step with the video (docs/realtime.md).

const RETRY_MS = [1000, 2000, 4000, 8000]; // then every 8 s, for as long as the page is open
const players = new WeakMap(); // video -> { url, live, attempt, timer, fragment }

function safariPlaysHls(video) {
  const apple = /Apple/.test(navigator.vendor || "");
  return apple && video.canPlayType("application/vnd.apple.mpegurl") !== "";
}

export function attachStream(video, url, { live = false } = {}) {
  const previous = players.get(video);
  if (previous) clearTimeout(previous.timer);
  const player = { url, live, attempt: previous?.url === url ? previous.attempt : 0, timer: null, fragment: null };
  players.set(video, player);
  load(video, player);
  // Autoplay is allowed muted; the viewer unmutes with the button.
  video.muted = true;
  video.play().catch(() => {});
}

// The host's stream is arriving again. The player, still loading, picks up the new fragments
// where the old ones stopped (its playlist goes on: nginx-rtmp's `hls_continuous`); loading it all
// again at once would replay the last seconds before the drop. So: a player waiting to try again
// tries now, and one that has not moved on within RESUME_MS loads the stream again.
const RESUME_MS = 8000;
export function resumeStream(video) {
  const player = players.get(video);
  if (!player?.live) return;
  clearTimeout(player.timer);
  player.attempt = 0;
  if (!video.hls && !video.src) return reload(video, player);
  const from = video.currentTime;
  player.timer = setTimeout(() => {
    if (players.get(video) === player && video.currentTime < from + 1) reload(video, player);
  }, RESUME_MS);
}

function reload(video, player) {
  const paused = video.paused;
  load(video, player);
  if (!paused) video.play().catch(() => {});
}

function load(video, player) {
  const { url } = player;
  const file = url.split(/[?#]/)[0].endsWith(".mp4"); // a recording: any browser plays it
  video.hls?.destroy(); // a replay after the live stream, or a retry: the old one stops loading
  video.hls = null;
  player.fragment = null;
  if (file || safariPlaysHls(video)) {
    video.src = url;
    if (player.live && !file) video.addEventListener("error", () => retry(video, player), { once: true });
  } else if (window.Hls && window.Hls.isSupported()) {
    const Hls = window.Hls;
    const hls = new Hls({ lowLatencyMode: true, backBufferLength: 30 });
    let recovered = false;
    hls.on(Hls.Events.ERROR, (_, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR && (!player.live || !recovered)) {
        recovered = true; // once for a live stream: then it is loaded again
        hls.recoverMediaError();
      } else if (player.live) {
        retry(video, player); // the playlist or its fragments are gone: load it all again later
      } else if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
        hls.startLoad();
      }
    });
    // The fragment on screen: where it starts in the video's time, and when it was filmed.
    hls.on(Hls.Events.FRAG_CHANGED, (_, { frag }) => {
      player.fragment = { start: frag.start, at: frag.programDateTime ?? fragmentNameTime(frag.relurl) };
      player.attempt = 0; // playing again
    });
    hls.loadSource(url);
    hls.attachMedia(video);
    video.hls = hls;
  } else {
    video.src = url; // let the browser try
  }
}

function retry(video, player) {
  if (players.get(video) !== player) return; // another stream was attached since
  video.hls?.destroy();
  video.hls = null;
  video.removeAttribute("src");
  clearTimeout(player.timer);
  const wait = RETRY_MS[Math.min(player.attempt++, RETRY_MS.length - 1)];
  player.timer = setTimeout(() => {
    if (players.get(video) === player) reload(video, player);
  }, wait);
}

// Liveshop's ingest names each fragment by the time nginx started it, in milliseconds since the
// epoch (`hls_fragment_naming system`, ingest/nginx_config.py): nginx-rtmp writes no
// EXT-X-PROGRAM-DATE-TIME. Another packager's names are not taken for times.
function fragmentNameTime(relurl) {
  const match = /(?:^|\/)(\d{13})\.ts(?:[?#].*)?$/.exec(relurl || "");
  return match ? Number(match[1]) : null;
}

// When the frame on screen was filmed (as the packager's clock says: milliseconds since the
// epoch), or null where the stream does not say: EXT-X-PROGRAM-DATE-TIME (hls.js, or Safari's
// getStartDate), or the fragment names of Liveshop's ingest.
export function frameTime(video) {
  const player = players.get(video);
  if (!player?.live || video.readyState < 2) return null;
  const fragment = player.fragment;
  if (video.hls) {
    if (!fragment || fragment.at === null) return null;
    return fragment.at + (video.currentTime - fragment.start) * 1000;
  }
  const start = video.getStartDate?.().getTime();
  return Number.isFinite(start) && start > 0 ? start + video.currentTime * 1000 : null;
}

// How many seconds the video is behind the live edge of its playlist (hls.js's estimate), or null
// where unknown (a recording, a stream that is not live, Safari). It leaves out the time the
// packager took to publish the newest fragment, so the true delay is a little longer.
export function liveLatency(video) {
  const hls = players.get(video)?.live ? video.hls : null;
  if (!hls?.latestLevelDetails?.live) return null; // a playlist that is not live (the demo clip)
  return hls.latency > 0 ? hls.latency : null;
}
