// Plays an HLS stream: natively where the browser is Safari (macOS, iOS), through hls.js elsewhere;
// an MP4 recording plays natively everywhere.
// hls.js is installed from the npm registry at setup (package-lock.json) and served as a static file.

function safariPlaysHls(video) {
  const apple = /Apple/.test(navigator.vendor || "");
  return apple && video.canPlayType("application/vnd.apple.mpegurl") !== "";
}

export function attachStream(video, url) {
  const file = url.split(/[?#]/)[0].endsWith(".mp4"); // a recording: any browser plays it
  video.hls?.destroy(); // a replay after the live stream: the live one stops loading
  video.hls = null;
  if (file || safariPlaysHls(video)) {
    video.src = url;
  } else if (window.Hls && window.Hls.isSupported()) {
    const hls = new window.Hls({ lowLatencyMode: true, backBufferLength: 30 });
    hls.on(window.Hls.Events.ERROR, (_, data) => {
      if (!data.fatal) return;
      if (data.type === window.Hls.ErrorTypes.NETWORK_ERROR) hls.startLoad();
      else if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
    });
    hls.loadSource(url);
    hls.attachMedia(video);
    video.hls = hls;
  } else {
    video.src = url; // let the browser try
  }
  // Autoplay is allowed muted; the viewer unmutes with the button.
  video.muted = true;
  video.play().catch(() => {});
}
