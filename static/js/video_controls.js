// The player's own controls: play/pause (WCAG 2.2.2: an autoplaying video can be paused), sound,
// volume, captions when the stream carries them, Picture-in-Picture where the browser offers it,
// and full screen. They are buttons, so the keyboard reaches them in order.

const $ = (id) => document.getElementById(id);

export class VideoControls {
  constructor(video, player) {
    this.video = video;
    this.player = player;
    // Paused by the viewer: the show's updates never start it again behind their back.
    this.pausedByViewer = false;
    $("play-toggle").addEventListener("click", () => this.togglePlay());
    $("unmute").addEventListener("click", () => this.toggleSound());
    $("volume").addEventListener("input", ({ target }) => {
      video.volume = Number(target.value);
      if (video.muted && video.volume > 0) this.toggleSound();
    });
    $("captions").addEventListener("click", () => this.toggleCaptions());
    $("pip").addEventListener("click", () => this.togglePictureInPicture());
    $("fullscreen").addEventListener("click", () => this.toggleFullscreen());
    for (const name of ["play", "pause", "volumechange"]) video.addEventListener(name, () => this.render());
    document.addEventListener("fullscreenchange", () => this.render());
    video.addEventListener("enterpictureinpicture", () => this.render());
    video.addEventListener("leavepictureinpicture", () => this.render());
    video.textTracks.addEventListener("addtrack", () => this.render());
    video.textTracks.addEventListener("removetrack", () => this.render());
    $("pip").hidden = !(document.pictureInPictureEnabled && !video.disablePictureInPicture);
    this.render();
  }

  // Starts the stream unless the viewer paused it.
  play() {
    if (!this.pausedByViewer) this.video.play().catch(() => {});
  }

  togglePlay() {
    this.pausedByViewer = !this.video.paused;
    if (this.pausedByViewer) this.video.pause();
    else this.video.play().catch(() => {});
  }

  toggleSound() {
    this.video.muted = !this.video.muted;
    if (!this.video.muted && this.video.volume === 0) this.video.volume = 1;
    this.play();
  }

  captionTracks() {
    return [...this.video.textTracks].filter((track) => ["captions", "subtitles"].includes(track.kind));
  }

  toggleCaptions() {
    const tracks = this.captionTracks();
    const on = !tracks.some((track) => track.mode === "showing");
    tracks.forEach((track, index) => (track.mode = on && index === 0 ? "showing" : "hidden"));
    this.render();
  }

  async togglePictureInPicture() {
    try {
      if (document.pictureInPictureElement) await document.exitPictureInPicture();
      else await this.video.requestPictureInPicture();
    } catch {
      // refused (no user gesture, or the video has no frame yet): the button stays as it was
    }
  }

  toggleFullscreen() {
    if (document.fullscreenElement) {
      document.exitFullscreen().catch(() => {});
    } else if (this.player.requestFullscreen) {
      // The player, not the bare video: the banner and its Buy button stay on screen.
      this.player.requestFullscreen().catch(() => {});
    } else if (this.video.webkitEnterFullscreen) {
      this.video.webkitEnterFullscreen(); // iPhone Safari: only the video itself goes full screen
    }
  }

  render() {
    const video = this.video;
    $("play-toggle").setAttribute("aria-label", video.paused ? "Play" : "Pause");
    $("play-toggle").dataset.state = video.paused ? "paused" : "playing";
    $("unmute").textContent = video.muted ? "Unmute" : "Mute";
    $("unmute").setAttribute("aria-pressed", String(!video.muted));
    $("volume").value = video.muted ? 0 : video.volume;
    const tracks = this.captionTracks();
    $("captions").hidden = tracks.length === 0;
    $("captions").setAttribute("aria-pressed", String(tracks.some((track) => track.mode === "showing")));
    $("pip").setAttribute("aria-pressed", String(document.pictureInPictureElement === video));
    const full = document.fullscreenElement === this.player;
    $("fullscreen").setAttribute("aria-label", full ? "Exit full screen" : "Full screen");
  }
}
