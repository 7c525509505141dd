#!/usr/bin/env bash
# Regenerates the demo show's HLS clip (static/demo/clip/): a 24 s test pattern with a tone, H.264
# baseline + AAC in MPEG-TS segments, which Safari plays natively and Chromium plays through hls.js.
set -euo pipefail
out="$(dirname "$0")/../static/demo/clip"
rm -rf "$out" && mkdir -p "$out"
ffmpeg -hide_banner -loglevel error \
  -f lavfi -i "testsrc2=size=480x270:rate=24:duration=24" \
  -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=24" \
  -vf "drawtext=text='LIVESHOP DEMO  %{pts\:hms}':x=24:y=24:fontsize=22:fontcolor=white:box=1:boxcolor=black@0.5" \
  -c:v libx264 -profile:v baseline -level 3.0 -pix_fmt yuv420p -crf 36 -g 48 -keyint_min 48 -sc_threshold 0 \
  -c:a aac -b:a 48k -ac 1 \
  -f hls -hls_time 4 -hls_playlist_type vod -hls_segment_filename "$out/segment%02d.ts" "$out/index.m3u8"
ffmpeg -hide_banner -loglevel error -f lavfi -i "testsrc2=size=480x270:rate=1:duration=1" -frames:v 1 -q:v 5 "$out/poster.jpg"
du -sh "$out"
