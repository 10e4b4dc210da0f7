"""Live-path benchmark: the real app in a real browser, camera to screen (`make bench`).

Runs the live coach twice in Debian's Chromium with a fake camera (640×480, 30 fps,
made from the rendered downward-dog sample), ~20 s each:

* **pass-through**: the video callback returns the camera frame untouched (the bare
  WebRTC pipeline: Chrome encodes, aiortc decodes, re-encodes, Chrome decodes and shows);
* **full model**: the real live coach (pose model, judging, log, overlay).

and prints, for each: frames a second reaching the callback, distinct processed frames a
second shown in the browser, callback→display and capture→display latency (median, p95),
and the CPU used by the Streamlit server and by the browser (process trees, from
/proc/<pid>/stat). Also written to build/live_bench.json.

How it measures (see ../shared/notes/live-path.md):

* the app, started with STRETCH_COACH_BENCH_STAMP=1, writes `time.time()` (ms) and a
  callback count into every frame it returns as a bar code (`coach/live/bench_stamp.py`);
  STRETCH_COACH_LIVE_PASSTHROUGH=1 makes it return the camera frame unprocessed;
* every frame of the fake camera clip carries its index as a bar code;
* a script added to every frame of the page (`add_init_script`, so it runs inside the
  camera component's iframe too) wraps `getUserMedia` and plays the camera stream in a
  tiny hidden <video>: `requestVideoFrameCallback` gives each camera frame's capture time
  (`metadata.captureTime`, else its display time), keyed by the index read from the
  picture; on the component's output <video>, `requestVideoFrameCallback` draws each
  shown frame to a canvas, reads the stamp and the index back and records
  `performance.timeOrigin + metadata.expectedDisplayTime` (the same machine clock);
* callback→display = display time − stamp; capture→display = display time − the capture
  time of the camera frame the shown frame was made from (each distinct processed frame
  counted once, at its first display).

Run: `.venv/bin/python tools/live_bench.py` (needs Debian's chromium and the playwright
Python client; exits with code 2 and a message if either is missing). Options: --seconds,
--modes, --rounds (interleaved repeats; the median run is reported, default 5),
--jitter-target-ms / --camera WxH@fps / --server-env (experiments), --screenshot.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import browser  # noqa: E402  (tests/browser.py: the harness the browser tests use)

from coach.live import bench_stamp  # noqa: E402

SAMPLE = ROOT / "sample_videos" / "downward_dog.mp4"
TRUTH = ROOT / "sample_videos" / "downward_dog.truth.json"
OUT_JSON = ROOT / "build" / "live_bench.json"
CAMERA_SIZE = (640, 480)
CAMERA_FPS = 30
STAMP_MODULO = 1 << bench_stamp.STAMP_TIME_BITS
SEQ_MODULO = 1 << bench_stamp.STAMP_SEQ_BITS
VIEWPORT = (1400, 1000)  # a laptop-sized window
SERVER_ENV: dict[str, str] = {}  # --server-env: extra settings for the app (experiments)
MODES = {
    "passthrough": "pass-through (bare pipeline)",
    "full": "full model (live coach)",
}

# Runs in every frame of the page before its own scripts (Playwright add_init_script).
# The bar-code reader mirrors coach/live/bench_stamp.py.
INIT_JS = r"""
(() => {
  if (window.__lb) return;
  const OPTS = __OPTS__;
  const lb = window.__lb = {out: [], cam: [], pcs: [], errors: [], outVideos: 0, camVideos: 0};
  const C = {cols: __COLS__, rows: __ROWS__, contrast: __CONTRAST__, timeBits: __TIME_BITS__, seqBits: __SEQ_BITS__,
             stampRows: __STAMP_ROWS__, indexBits: __INDEX_BITS__, indexRow: __INDEX_ROW__, checkBits: __CHECK_BITS__,
             lagBits: __LAG_BITS__, lagRow: __LAG_ROW__, judgedRow: __JUDGED_ROW__};
  const HEIGHT_ROWS = Math.max(C.indexRow, C.judgedRow) + 1;  // the codes are in the top rows of the grid

  function check(value, bits) {
    let total = 0x5;
    for (let shift = 0; shift < bits; shift += 4) total = (total * 3 + (Math.floor(value / 2 ** shift) & 0xF)) & 0xF;
    return total;
  }
  // A picture to read: luma(x, y) in 0..255, W × H pixels.
  function cellMean(pic, row, col) {
    const W = pic.W, H = pic.H;
    const y0 = Math.floor(row * H / C.rows), y1 = Math.floor((row + 1) * H / C.rows);
    const x0 = Math.floor(col * W / C.cols), x1 = Math.floor((col + 1) * W / C.cols);
    const dy = Math.max(1, Math.floor((y1 - y0) / 4)), dx = Math.max(1, Math.floor((x1 - x0) / 4));
    let sum = 0, n = 0;
    for (let y = y0 + dy; y < y1 - dy; y++) {
      for (let x = x0 + dx; x < x1 - dx; x++) { sum += pic.luma(x, y); n += 1; }
    }
    return n ? sum / n : 0;
  }
  function readBits(pic, count, row, mirrored) {
    const bits = [];
    for (let i = 0; i < count; i++) {
      const m = [];
      for (const half of [0, 1]) {
        let col = 2 * i + half;
        if (mirrored) col = C.cols - 1 - col;
        m.push(cellMean(pic, row, col));
      }
      if (Math.abs(m[0] - m[1]) < C.contrast) return null;
      bits.push(m[0] > m[1] ? 1 : 0);
    }
    return bits;
  }
  const fromBits = bits => bits.reduce((v, b) => v * 2 + b, 0);
  function decodeStamp(pic) {
    const total = C.timeBits + C.seqBits + C.checkBits;
    const a = readBits(pic, Math.floor(total / 2), C.stampRows[0], false);
    const b = a && readBits(pic, total - Math.floor(total / 2), C.stampRows[1], false);
    if (!a || !b) return null;
    const bits = a.concat(b);
    const payload = fromBits(bits.slice(0, -C.checkBits));
    if (fromBits(bits.slice(-C.checkBits)) !== check(payload, C.timeBits + C.seqBits)) return null;
    return [Math.floor(payload / 2 ** C.seqBits), payload % 2 ** C.seqBits];
  }
  function decodeLag(pic, row) {
    const bits = readBits(pic, C.lagBits + C.checkBits, row === undefined ? C.lagRow : row, false);
    if (!bits) return -1;
    const value = fromBits(bits.slice(0, C.lagBits));
    if (fromBits(bits.slice(C.lagBits)) !== check(value, C.lagBits) || value === 2 ** C.lagBits - 1) return -1;
    return value;
  }
  function decodeIndex(pic) {
    for (const mirrored of [false, true]) {
      const bits = readBits(pic, C.indexBits + C.checkBits, C.indexRow, mirrored);
      if (!bits) continue;
      const value = fromBits(bits.slice(0, C.indexBits));
      if (fromBits(bits.slice(C.indexBits)) === check(value, C.indexBits)) return [value, mirrored];
    }
    return null;
  }
  // Reads only the top rows of each shown frame. WebCodecs (VideoFrame.copyTo of a rectangle,
  // in the frame's own YUV) costs the browser almost nothing; a canvas is the fallback.
  lb.readers = {webcodecs: 0, canvas: 0};
  async function grabTop(video, meta, canvasState) {
    const W = meta.width, H = meta.height;
    const rows = Math.min(H, 2 * Math.ceil((HEIGHT_ROWS * H / C.rows + 2) / 2));
    if (window.VideoFrame && !canvasState.noWebCodecs) {
      let frame = null;
      try {
        frame = new VideoFrame(video);
        const vr = frame.visibleRect;
        const fmt = frame.format;
        const rect = {x: vr.x, y: vr.y, width: vr.width, height: Math.min(vr.height, rows)};
        const buf = new Uint8Array(frame.allocationSize({rect}));
        const layout = await frame.copyTo(buf, {rect});
        const off = layout[0].offset, stride = layout[0].stride;
        const scaleX = vr.width / W, scaleY = vr.height / H;
        let luma;
        if (fmt && (fmt.startsWith('I4') || fmt.startsWith('NV12'))) {
          luma = (x, y) => buf[off + Math.floor(y * scaleY) * stride + Math.floor(x * scaleX)];
        } else {
          luma = (x, y) => { const i = off + Math.floor(y * scaleY) * stride + 4 * Math.floor(x * scaleX);
                             return (buf[i] + buf[i + 1] + buf[i + 2]) / 3; };
        }
        lb.readers.webcodecs += 1;
        return {W, H, luma};
      } catch (e) {
        canvasState.noWebCodecs = true;
        if (lb.errors.length < 20) lb.errors.push('webcodecs: ' + e);
      } finally {
        if (frame) frame.close();
      }
    }
    const canvas = canvasState.canvas || (canvasState.canvas = document.createElement('canvas'));
    const ctx = canvasState.ctx || (canvasState.ctx = canvas.getContext('2d', {willReadFrequently: true}));
    if (canvas.width !== W || canvas.height !== H) { canvas.width = W; canvas.height = H; }
    ctx.drawImage(video, 0, 0, W, H);
    const img = ctx.getImageData(0, 0, W, rows);
    lb.readers.canvas += 1;
    return {W, H, luma: (x, y) => { const i = 4 * (y * W + x); return (img.data[i] + img.data[i + 1] + img.data[i + 2]) / 3; }};
  }
  function reader(video, onFrame) {
    const state = {};
    const tick = (now, meta) => {
      video.requestVideoFrameCallback(tick);
      grabTop(video, meta, state).then(pic => onFrame(pic, now, meta))
        .catch(e => { if (lb.errors.length < 20) lb.errors.push(String(e)); });
    };
    video.requestVideoFrameCallback(tick);
  }
  const T0 = performance.timeOrigin;
  function watchOutput(video) {
    lb.outVideos += 1;
    reader(video, (pic, now, meta) => {
      const st = decodeStamp(pic);
      const ix = decodeIndex(pic);
      lb.out.push([T0 + meta.expectedDisplayTime, st ? st[0] : -1, st ? st[1] : -1, ix ? ix[0] : -1,
                   meta.receiveTime ? T0 + meta.receiveTime : -1, pic.W, pic.H, T0 + now,
                   st ? decodeLag(pic) : -1, st ? decodeLag(pic, C.judgedRow) : -1]);
    });
  }
  function watchCamera(stream) {
    const v = document.createElement('video');
    v.muted = true; v.playsInline = true; v.autoplay = true; v.dataset.lbCamera = '1';
    v.style.cssText = 'position:fixed;left:0;bottom:0;width:32px;height:24px;opacity:0.01;pointer-events:none;z-index:-1';
    v.srcObject = new MediaStream(stream.getVideoTracks());
    (document.body || document.documentElement).appendChild(v);
    v.play().catch(e => lb.errors.push('camera preview: ' + e));
    lb.camVideos += 1;
    reader(v, (pic, now, meta) => {
      const ix = decodeIndex(pic);
      if (ix) lb.cam.push([ix[0], meta.captureTime ? T0 + meta.captureTime : -1, T0 + meta.expectedDisplayTime]);
    });
  }
  const md = navigator.mediaDevices;
  if (md && md.getUserMedia) {
    const original = md.getUserMedia.bind(md);
    md.getUserMedia = async (constraints) => {
      if (OPTS.camera && constraints && constraints.video) {
        const video = typeof constraints.video === 'object' ? constraints.video : {};
        constraints = {...constraints, video: {...video, ...OPTS.camera}};
      }
      lb.constraints = JSON.stringify(constraints);
      const stream = await original(constraints);
      try { watchCamera(stream); } catch (e) { lb.errors.push('watchCamera: ' + e); }
      return stream;
    };
  }
  if (window.RTCPeerConnection) {
    const Original = window.RTCPeerConnection;
    class Wrapped extends Original {
      constructor(...args) {
        super(...args);
        lb.pcs.push(this);
        this.addEventListener('track', e => {
          if (OPTS.jitterTargetMs !== null && OPTS.jitterTargetMs !== undefined && e.receiver) {
            try { e.receiver.jitterBufferTarget = OPTS.jitterTargetMs; lb.jitterSet = e.receiver.jitterBufferTarget; }
            catch (err) { lb.errors.push('jitterBufferTarget: ' + err); }
          }
        });
      }
    }
    window.RTCPeerConnection = Wrapped;
  }
  const seen = new WeakSet();
  setInterval(() => {
    for (const v of document.querySelectorAll('video')) {
      if (seen.has(v) || v.dataset.lbCamera) continue;
      if (!v.srcObject) continue;
      seen.add(v);
      watchOutput(v);
    }
  }, 100);
  lb.stats = async () => {
    const result = [];
    for (const pc of lb.pcs) {
      const report = await pc.getStats();
      report.forEach(s => {
        if ((s.type === 'inbound-rtp' || s.type === 'outbound-rtp') && s.kind === 'video') result.push(s);
        if (s.type === 'codec') result.push({type: 'codec', id: s.id, mimeType: s.mimeType});
      });
    }
    return result;
  };
})();
"""


def init_js(jitter_target_ms: float | None, camera: dict[str, Any] | None) -> str:
    values = {
        "__OPTS__": json.dumps({"jitterTargetMs": jitter_target_ms, "camera": camera}),
        "__COLS__": bench_stamp.GRID_COLUMNS, "__ROWS__": bench_stamp.GRID_ROWS,
        "__CONTRAST__": bench_stamp.MIN_CONTRAST, "__TIME_BITS__": bench_stamp.STAMP_TIME_BITS,
        "__SEQ_BITS__": bench_stamp.STAMP_SEQ_BITS, "__STAMP_ROWS__": list(bench_stamp.STAMP_ROWS),
        "__INDEX_BITS__": bench_stamp.INDEX_BITS, "__INDEX_ROW__": bench_stamp.INDEX_ROW,
        "__CHECK_BITS__": bench_stamp.CHECK_BITS, "__LAG_BITS__": bench_stamp.STAMP_LAG_BITS,
        "__LAG_ROW__": bench_stamp.STAMP_LAG_ROW, "__JUDGED_ROW__": bench_stamp.STAMP_JUDGED_ROW,
    }
    text = INIT_JS
    for key, value in values.items():
        text = text.replace(key, json.dumps(value) if not isinstance(value, str) else value)
    return text


# ---------------------------------------------------------------- the fake camera


def camera_y4m(path: Path, seconds_each_way: float = 4.0) -> tuple[Path, int]:
    """The sample's correct hold, upscaled to 640×480 at 30 fps, forwards then backwards
    (the loop has no jump), with each frame's index as a bar code."""
    from coach.sources import VideoFileSource

    truth = json.loads(TRUTH.read_text()) if TRUTH.is_file() else {}
    hold = next((p for p in truth.get("phases", []) if p.get("name") == "correct"), {"start_s": 4.0, "end_s": 11.0})
    start = hold["start_s"] + 0.5
    end = min(hold["end_s"] - 0.25, start + seconds_each_way)
    source = [(f.timestamp_s, f.rgb) for f in VideoFileSource(SAMPLE) if start - 0.2 <= f.timestamp_s < end + 0.2]
    if len(source) < 2:
        raise RuntimeError(f"{SAMPLE}: no frames of the correct hold")
    times = np.array([t for t, _ in source])
    count = int(round((end - start) * CAMERA_FPS))
    forward = [int(np.argmin(np.abs(times - (start + k / CAMERA_FPS)))) for k in range(count)]
    order = forward + forward[::-1]

    def frames():
        cache: dict[int, np.ndarray] = {}
        for index, k in enumerate(order):
            if k not in cache:
                cache[k] = cv2.resize(source[k][1], CAMERA_SIZE, interpolation=cv2.INTER_CUBIC)
            frame = cache[k].copy()
            bench_stamp.mark_index(frame, index)
            yield frame

    browser.write_y4m_stream(path, frames(), CAMERA_SIZE, CAMERA_FPS)
    return path, len(order)


# ---------------------------------------------------------------- CPU of process trees


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(text[text.rindex(")") + 2:].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _descendants(root: int, tree: dict[int, list[int]]) -> list[int]:
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(tree.get(pid, []))
    return found


def _cpu_seconds(pid: int) -> float:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def cpu_snapshot(server_pid: int) -> dict[str, dict[int, float]]:
    """CPU seconds of every process of the server's tree and of our Chromium's tree."""
    tree = _children()
    server = _descendants(server_pid, tree)
    ours = [p for p in _descendants(os.getpid(), tree) if p not in server and p != os.getpid()]
    chromium = [p for p in ours if "chrom" in _comm(p).lower()]
    return {"server": {p: _cpu_seconds(p) for p in server}, "browser": {p: _cpu_seconds(p) for p in chromium}}


def cpu_used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]], seconds: float) -> dict[str, float]:
    """Cores used over the window (processes started during it count from zero)."""
    return {name: round(sum(t - before[name].get(p, 0.0) for p, t in after[name].items()) / seconds, 2)
            for name in after}


def _process_type(pid: int) -> str:
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").split()  # Chrome rewrites it
    except OSError:
        return "?"
    for arg in args:
        if arg.startswith(b"--type="):
            kind = arg[7:].decode()
            if kind == "utility":
                sub = next((a[len(b"--utility-sub-type="):].decode() for a in args
                            if a.startswith(b"--utility-sub-type=")), "")
                return f"utility:{sub.rsplit('.', 1)[-1]}" if sub else kind
            return kind
    return "browser"


def browser_cpu_by_type(before: dict[int, float], after: dict[int, float], seconds: float) -> dict[str, float]:
    """The browser's cores by process type (renderer, gpu-process, browser, utility:...)."""
    kinds: dict[str, float] = {}
    for pid, t in after.items():
        kind = _process_type(pid)
        kinds[kind] = kinds.get(kind, 0.0) + (t - before.get(pid, 0.0)) / seconds
    return {k: round(v, 2) for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]) if v >= 0.01}


def cpu_stat() -> list[int]:
    """The machine's CPU ticks: user, nice, system, idle, iowait, irq, softirq, steal."""
    return [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]


def machine_cpu(before: list[int], after: list[int], seconds: float) -> dict[str, float]:
    """Cores busy on the whole machine over the window (ours included), and stolen by the host."""
    d = [b - a for a, b in zip(before, after)]
    tick = os.sysconf("SC_CLK_TCK")
    busy = d[0] + d[1] + d[2] + d[5] + d[6]
    return {"busy_cores": round(busy / tick / seconds, 2), "steal_cores": round(d[7] / tick / seconds, 2)}


def machine_load() -> dict[str, Any]:
    """/proc/loadavg and the busiest other processes, to judge the figures by."""
    load = Path("/proc/loadavg").read_text().split()
    return {"loadavg_1_5_15": [float(x) for x in load[:3]], "cores": os.cpu_count()}


def busiest_other_processes(skip: set[int], before: dict[int, float], seconds: float, top: int = 4) -> list[str]:
    rows = []
    for pid, t1 in all_cpu().items():
        if pid in skip:
            continue
        used = (t1 - before.get(pid, 0.0)) / seconds
        if used >= 0.05:
            rows.append((used, f"{_comm(pid)}({pid}) {used:.2f} cores"))
    return [text for _, text in sorted(rows, reverse=True)[:top]]


def all_cpu() -> dict[int, float]:
    return {int(e): _cpu_seconds(int(e)) for e in os.listdir("/proc") if e.isdigit()}


# ---------------------------------------------------------------- analysis


def _pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def _signed_mod(value: float, modulo: int) -> float:
    value %= modulo
    return value - modulo if value > modulo / 2 else value


@dataclass
class Shown:
    display: float  # epoch ms (page clock)
    stamp: float  # epoch ms of the callback's return
    seq: int  # unwrapped callback count
    index: int  # camera frame index (-1: unread)
    receive: float  # epoch ms the frame's last packet arrived (-1: unknown)
    size: tuple[int, int]
    lag: float  # ms between the judged frame and the frame its skeleton is drawn on (-1: none)
    judged: int  # number (mod 4095) of the judged frame drawn (-1: none)


def analyse(out: list[list[float]], cam: list[list[float]], window: tuple[float, float],
            max_latency_ms: float = 3000.0) -> dict[str, Any]:
    """Figures of the frames shown within `window` (epoch ms). A shown frame is matched to the
    latest capture of its camera index at most `max_latency_ms` before it was shown (keep it below
    the fake camera's loop, whose indexes repeat)."""
    start, end = window
    rows = [r for r in out if start <= r[0] < end]
    seconds = (end - start) / 1000.0
    decoded = [r for r in rows if r[1] >= 0]
    shown: list[Shown] = []
    last_seq = None
    unwrapped = 0
    for r in decoded:
        display, stamp_mod, seq_mod, index, receive, width, height = r[:7]
        lag = r[8] if len(r) > 8 else -1
        judged = int(r[9]) if len(r) > 9 else -1
        stamp = display - _signed_mod(display - stamp_mod, STAMP_MODULO)
        if last_seq is None:
            unwrapped = int(seq_mod)
        else:
            step = (int(seq_mod) - last_seq) % SEQ_MODULO
            if step == 0:
                continue  # the same processed frame shown again
            if step > SEQ_MODULO // 2:
                continue  # an older frame (should not happen)
            unwrapped += step
        last_seq = int(seq_mod)
        shown.append(Shown(display, stamp, unwrapped, int(index), receive, (int(width), int(height)), lag, judged))

    # Capture times of camera frames by index (latest before a given time).
    by_index: dict[int, list[float]] = {}
    use_capture = bool(cam) and all(c[1] > 0 for c in cam)
    for index, capture, shown_at in cam:
        by_index.setdefault(int(index), []).append(capture if use_capture else shown_at)

    def capture_time(index: int, before: float) -> float | None:
        for offset in (0, -1, 1, -2, 2):
            times = [t for t in by_index.get(index + offset, []) if before - max_latency_ms < t <= before]
            if times:
                return max(times) - offset * 1000.0 / CAMERA_FPS
        return None

    cb_disp = [s.display - s.stamp for s in shown]
    cap_disp, cap_cb, cb_recv, recv_disp = [], [], [], []
    for s in shown:
        if s.receive > 0:
            cb_recv.append(s.receive - s.stamp)
            recv_disp.append(s.display - s.receive)
        if s.index >= 0:
            captured = capture_time(s.index, s.display)
            if captured is not None:
                cap_disp.append(s.display - captured)
                cap_cb.append(s.stamp - captured)
    lags = [s.lag for s in shown if s.lag >= 0]
    # Judged (pose model) frames a second, from the judged-frame numbers drawn on shown frames.
    judged_rows = [(r[7], int(r[9])) for r in rows if len(r) > 9 and r[9] >= 0]
    judged_fps = None
    if len(judged_rows) >= 2 and judged_rows[-1][0] > judged_rows[0][0]:
        steps = sum((b - a) % 4095 for (_, a), (_, b) in zip(judged_rows, judged_rows[1:])
                    if (b - a) % 4095 < 2000)
        judged_fps = round(steps / ((judged_rows[-1][0] - judged_rows[0][0]) / 1000.0), 1)
    callback_fps = None
    if len(shown) >= 2 and shown[-1].stamp > shown[0].stamp:
        callback_fps = round((shown[-1].seq - shown[0].seq) / ((shown[-1].stamp - shown[0].stamp) / 1000.0), 1)
    bins = [0] * max(1, int(seconds // 2.0))
    for s in shown:
        index = int((s.display - start) // 2000.0)
        if index < len(bins):
            bins[index] += 1
    timeline = [round(n / 2.0, 1) for n in bins]
    sizes: dict[str, int] = {}
    for s in shown:
        key = f"{s.size[0]}x{s.size[1]}"
        sizes[key] = sizes.get(key, 0) + 1
    return {
        "window_s": round(seconds, 1),
        "frames_presented": len(rows),
        "presented_fps": round(len(rows) / seconds, 1),
        "stamp_read_fraction": round(len(decoded) / len(rows), 3) if rows else 0.0,
        "callback_fps": callback_fps,
        "distinct_shown": len(shown),
        "distinct_shown_fps": round(len(shown) / seconds, 1),
        "distinct_shown_fps_every_2s": timeline,
        "callback_to_display_ms": {"median": _pct(cb_disp, 50), "p95": _pct(cb_disp, 95)},
        "capture_to_display_ms": {"median": _pct(cap_disp, 50), "p95": _pct(cap_disp, 95), "frames": len(cap_disp)},
        "capture_to_callback_ms": {"median": _pct(cap_cb, 50), "p95": _pct(cap_cb, 95)},
        "callback_to_receive_ms": {"median": _pct(cb_recv, 50), "p95": _pct(cb_recv, 95)},
        "receive_to_display_ms": {"median": _pct(recv_disp, 50), "p95": _pct(recv_disp, 95)},
        "skeleton_age_ms": {"median": _pct(lags, 50), "p95": _pct(lags, 95)},
        "judged_fps": judged_fps,
        "capture_clock": "captureTime" if use_capture else "local preview display time",
        "shown_sizes": sizes,
    }


def rtp_summary(before: list[dict[str, Any]], after: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    """The browser's own WebRTC counters over the window (receiver: jitter buffer, decode)."""
    def pick(stats: list[dict[str, Any]], kind: str) -> dict[str, Any]:
        return next((s for s in stats if s.get("type") == kind), {})

    summary: dict[str, Any] = {}
    inb0, inb1 = pick(before, "inbound-rtp"), pick(after, "inbound-rtp")
    if inb1:
        def delta(key: str) -> float:
            return float(inb1.get(key, 0) or 0) - float(inb0.get(key, 0) or 0)
        emitted = delta("jitterBufferEmittedCount")
        decoded = delta("framesDecoded")
        summary["receiver"] = {
            "jitter_buffer_ms": round(1000 * delta("jitterBufferDelay") / emitted, 1) if emitted else None,
            "jitter_buffer_target_ms": round(1000 * delta("jitterBufferTargetDelay") / emitted, 1) if emitted else None,
            "decode_ms": round(1000 * delta("totalDecodeTime") / decoded, 2) if decoded else None,
            "frames_received": int(delta("framesReceived")),
            "frames_decoded": int(decoded),
            "frames_dropped": int(delta("framesDropped")),
            "bitrate_kbps": round(8 * delta("bytesReceived") / 1000 / seconds),
            "size": f"{inb1.get('frameWidth')}x{inb1.get('frameHeight')}",
            "decoder": inb1.get("decoderImplementation"),
        }
    out0, out1 = pick(before, "outbound-rtp"), pick(after, "outbound-rtp")
    if out1:
        encoded = float(out1.get("framesEncoded", 0)) - float(out0.get("framesEncoded", 0))
        summary["sender"] = {
            "frames_encoded": int(encoded),
            "encode_ms": round(1000 * (float(out1.get("totalEncodeTime", 0)) - float(out0.get("totalEncodeTime", 0)))
                               / encoded, 2) if encoded else None,
            "size": f"{out1.get('frameWidth')}x{out1.get('frameHeight')}",
            "fps": out1.get("framesPerSecond"),
            "quality_limitation": out1.get("qualityLimitationReason"),
            "bitrate_kbps": round(8 * (float(out1.get("bytesSent", 0)) - float(out0.get("bytesSent", 0)))
                                  / 1000 / seconds),
        }
    codecs = sorted({s.get("mimeType") for s in after if s.get("type") == "codec"})
    summary["codecs"] = codecs
    return summary


# ---------------------------------------------------------------- one run (pieces tools/server_bench.py reuses)

LB = "window.__lb"  # the page-side recorder that INIT_JS installs
PAGE_DATA_JS = (f"v => ({{out: {LB}.out, cam: {LB}.cam, errors: {LB}.errors, "
                f"constraints: {LB}.constraints, jitterSet: {LB}.jitterSet ?? null, "
                f"outVideos: {LB}.outVideos, camVideos: {LB}.camVideos, readers: {LB}.readers}})")


def choose_downward_dog(page: Any) -> None:
    """On the Live page: the set-up popover, "One stretch", the downward dog (the first stretch)."""
    browser.open_live_setup(page)
    page.get_by_text("One stretch", exact=True).click()
    page.get_by_text("How to do it: Downward dog").first.wait_for(timeout=15000)


def output_video(page: Any) -> Any:
    """The camera component's output <video> (not our hidden camera preview)."""
    return page.frame_locator("iframe[title*='webrtc']").locator("video:not([data-lb-camera])")


def wait_for_stamps(video: Any, timeout: float = 30.0) -> None:
    """Until a frame with the callback's stamp has been shown in this <video>."""
    video.wait_for(timeout=20000)
    browser.wait_until(lambda: video.evaluate(f"v => {LB}.out.some(r => r[1] >= 0)"), timeout, interval=0.25,
                       what="stamped frames in the output video (is STRETCH_COACH_BENCH_STAMP read?)")


def start_stamped_video(page: Any, timeout: float = 30.0) -> Any:
    """Press START and wait for stamped frames; returns the output <video>."""
    browser.start_camera(page, timeout=timeout)
    video = output_video(page)
    wait_for_stamps(video, timeout)
    return video


def page_data(video: Any) -> dict[str, Any]:
    """Everything the page recorded (shown frames, camera frames, errors), for `analyse`."""
    return video.evaluate(PAGE_DATA_JS)  # type: ignore[no-any-return]


def run_mode(mode: str, y4m: Path, seconds: float, warmup: float, jitter_target_ms: float | None,
             camera: dict[str, Any] | None, screenshot: Path | None, workdir: Path) -> dict[str, Any]:
    env = {"STRETCH_COACH_DATA_DIR": str(workdir / f"data-{mode}"), "STRETCH_COACH_BENCH_STAMP": "1"}
    env.update(SERVER_ENV)
    if mode == "passthrough":
        env["STRETCH_COACH_LIVE_PASSTHROUGH"] = "1"
    else:
        env["STRETCH_COACH_MODEL"] = mode
    log_path = workdir / f"streamlit-{mode}.log"
    with browser.streamlit_process(env, log_path=log_path) as (url, server), \
            browser.chromium_context(y4m, viewport=VIEWPORT) as context:
        context.add_init_script(init_js(jitter_target_ms, camera))
        page = context.new_page()
        page.goto(url)
        page.get_by_text("Waiting for the camera").first.wait_for(timeout=30000)
        choose_downward_dog(page)
        video = start_stamped_video(page)
        time.sleep(warmup)  # the model loads, the bitrate ramps up
        stats0 = video.evaluate(f"async v => await {LB}.stats()")
        before = cpu_snapshot(server.pid)
        everything_before = all_cpu()
        stat0 = cpu_stat()
        wall0 = time.time() * 1000.0
        started = time.monotonic()
        time.sleep(seconds / 2)
        if screenshot is not None:
            page.screenshot(path=str(screenshot))
        time.sleep(max(0.0, seconds - (time.monotonic() - started)))
        elapsed = time.monotonic() - started
        after = cpu_snapshot(server.pid)
        by_type = browser_cpu_by_type(before["browser"], after["browser"], time.monotonic() - started)
        machine = machine_cpu(stat0, cpu_stat(), time.monotonic() - started)
        wall1 = time.time() * 1000.0
        stats1 = video.evaluate(f"async v => await {LB}.stats()")
        data = page_data(video)
        panel = page.locator("[data-testid='stMain']").inner_text()
        mine = set(after["server"]) | set(after["browser"]) | {os.getpid()}
        others = busiest_other_processes(mine, everything_before, elapsed)
    result = analyse(data["out"], data["cam"], (wall0, wall1))
    result["cpu_cores"] = cpu_used(before, after, elapsed)
    result["browser_cpu_by_process"] = by_type
    result["rtp"] = rtp_summary(stats0, stats1, elapsed)
    result["page"] = {"errors": data["errors"], "camera_constraints": data["constraints"],
                      "jitter_buffer_target_set": data["jitterSet"], "camera_frames_seen": len(data["cam"]),
                      "frame_readers": data["readers"]}
    found = re.search(r"(\d+) frames/s coached[^\n]*?pose model (\d+) ms, judging in all (\d+) ms", panel)
    if found:
        result["panel"] = {"coached_fps": int(found.group(1)), "model_ms": int(found.group(2)),
                           "frame_ms": int(found.group(3))}
    result["other_busy_processes"] = others
    result["machine_cpu"] = machine
    return result


# ---------------------------------------------------------------- report


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run whose capture→display median is the median of the rounds (the lower middle
    one for an even count): one real run to report, not a mix of figures from several."""
    ordered = sorted(runs, key=lambda r: r["capture_to_display_ms"]["median"] or float("inf"))
    return ordered[(len(ordered) - 1) // 2]


def _fmt(value: Any, unit: str = "") -> str:
    return "—" if value is None else f"{value:g}{unit}" if isinstance(value, (int, float)) else str(value)


def table(results: dict[str, dict[str, Any]]) -> str:
    names = list(results)
    rows = [
        ("fps reaching the callback", lambda r: _fmt(r["callback_fps"])),
        ("distinct processed fps shown", lambda r: _fmt(r["distinct_shown_fps"])),
        ("pose model (judged) fps", lambda r: _fmt(r.get("judged_fps"))),
        ("skeleton age median / p95 ms", lambda r: f"{_fmt(r['skeleton_age_ms']['median'])} / "
                                                  f"{_fmt(r['skeleton_age_ms']['p95'])}"),
        ("frames presented a second", lambda r: _fmt(r["presented_fps"])),
        ("callback→display median / p95 ms", lambda r: f"{_fmt(r['callback_to_display_ms']['median'])} / "
                                                      f"{_fmt(r['callback_to_display_ms']['p95'])}"),
        ("capture→display median / p95 ms", lambda r: f"{_fmt(r['capture_to_display_ms']['median'])} / "
                                                     f"{_fmt(r['capture_to_display_ms']['p95'])}"),
        ("  capture→callback median ms", lambda r: _fmt(r["capture_to_callback_ms"]["median"])),
        ("  callback→received median ms", lambda r: _fmt(r["callback_to_receive_ms"]["median"])),
        ("  received→display median ms", lambda r: _fmt(r["receive_to_display_ms"]["median"])),
        ("  browser jitter buffer ms", lambda r: _fmt(r.get("rtp", {}).get("receiver", {}).get("jitter_buffer_ms"))),
        ("frame size shown", lambda r: ", ".join(r["shown_sizes"]) or "—"),
        ("CPU cores: streamlit server", lambda r: _fmt(r["cpu_cores"]["server"])),
        ("CPU cores: browser", lambda r: _fmt(r["cpu_cores"]["browser"])),
        ("panel: pose model / judging ms a frame", lambda r: f"{r['panel']['model_ms']} / {r['panel']['frame_ms']}"
                                                      if "panel" in r else "—"),
    ]
    headers = ["", *[MODES.get(n, n) for n in names]]
    body = [[label, *[fn(results[n]) for n in names]] for label, fn in rows]
    return format_table(headers, body)


def format_table(headers: list[str], body: list[list[Any]]) -> str:
    """A Markdown table, columns padded to line up in a terminal."""
    widths = [max(len(str(row[i])) for row in [headers, *body]) for i in range(len(headers))]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, body)])


def missing_prerequisite(tool: str) -> str | None:
    """What a browser benchmark lacks to run here (Chromium, the playwright client, the rendered
    sample the fake camera plays), said for `tool`; None when nothing is missing."""
    if browser.chromium_path() is None:
        return (f"{tool}: Debian's chromium is not installed (apt-get install -y chromium); "
                "this benchmark needs a real browser.")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return f"{tool}: the playwright Python client is missing (.venv/bin/pip install -e '.[dev]')."
    if not SAMPLE.is_file():
        return f"{tool}: {SAMPLE} is missing (make samples)."
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measuring window per run (default 20)")
    parser.add_argument("--warmup", type=float, default=4.0, help="seconds after the first frame before measuring")
    parser.add_argument("--modes", default="passthrough,full",
                        help="comma-separated: passthrough, full, lite (default passthrough,full)")
    parser.add_argument("--jitter-target-ms", type=float, default=None,
                        help="experiment: set RTCRtpReceiver.jitterBufferTarget in the page")
    parser.add_argument("--camera", default=None,
                        help="experiment: override the camera constraints, e.g. 480x360@30")
    parser.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE",
                        help="experiment: an extra environment variable for the app (repeatable)")
    parser.add_argument("--screenshot", type=Path, default=ROOT / "test-artifacts" / "live-bench.png",
                        help="screenshot of the page halfway through the last run")
    parser.add_argument("--rounds", type=int, default=5,
                        help="run the modes this many times, interleaved, and report the median run (default 5)")
    parser.add_argument("--json", type=Path, default=OUT_JSON)
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    missing = missing_prerequisite("live_bench")
    if missing:
        print(missing, file=sys.stderr)
        return 2
    camera = None
    if args.camera:
        found = re.fullmatch(r"(\d+)x(\d+)(?:@(\d+))?", args.camera)
        if not found:
            parser.error("--camera must look like 480x360 or 480x360@24")
        camera = {"width": {"ideal": int(found.group(1))}, "height": {"ideal": int(found.group(2))}}
        if found.group(3):
            camera["frameRate"] = {"ideal": int(found.group(3))}
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    for item in args.server_env:
        key, sep, value = item.partition("=")
        if not sep:
            parser.error("--server-env must look like KEY=VALUE")
        SERVER_ENV[key] = value

    load_start = machine_load()
    with tempfile.TemporaryDirectory(prefix="live-bench-") as tmp:
        workdir = Path(tmp)
        y4m, frames = camera_y4m(workdir / "camera.y4m")
        print(f"fake camera: {CAMERA_SIZE[0]}×{CAMERA_SIZE[1]} at {CAMERA_FPS} fps, {frames} frames "
              f"(rendered downward dog, correct hold); {args.seconds:g} s per run; load {load_start['loadavg_1_5_15']}",
              flush=True)
        # Interleaved rounds (pass-through, full, pass-through, full, …): a change in the
        # machine's background load then hits both modes alike instead of one.
        runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in modes}
        total = len(modes) * args.rounds
        for round_index in range(args.rounds):
            for i, mode in enumerate(modes):
                last = round_index == args.rounds - 1 and i == len(modes) - 1
                shot = args.screenshot if args.screenshot and last else None
                if shot:
                    shot.parent.mkdir(parents=True, exist_ok=True)
                load = machine_load()
                print(f"run {round_index * len(modes) + i + 1}/{total}: {MODES.get(mode, mode)} …", flush=True)
                run = run_mode(mode, y4m, args.seconds, args.warmup, args.jitter_target_ms, camera, shot, workdir)
                run["load_before"] = load["loadavg_1_5_15"]
                run["load_after"] = machine_load()["loadavg_1_5_15"]
                runs[mode].append(run)
    results = {mode: median_run(mode_runs) for mode, mode_runs in runs.items()}
    if args.rounds > 1:
        print()
        for mode, mode_runs in runs.items():
            figures = ", ".join(_fmt(r["capture_to_display_ms"]["median"]) for r in mode_runs)
            print(f"capture→display median of each round, {MODES.get(mode, mode)}: {figures} ms")
    print()
    print(table(results))
    print()
    for mode, r in results.items():
        extra = f"; other busy processes: {', '.join(r['other_busy_processes'])}" if r["other_busy_processes"] else ""
        cpu = r["machine_cpu"]
        print(f"{MODES.get(mode, mode)}: load average {r['load_before']} → {r['load_after']}; machine busy "
              f"{cpu['busy_cores']} of {os.cpu_count()} cores (this run: {r['cpu_cores']['server'] + r['cpu_cores']['browser']:.2f}), "
              f"stolen by the host {cpu['steal_cores']}{extra}")
        if r["page"]["errors"]:
            print(f"  page errors: {r['page']['errors'][:3]}")
    verdicts = []
    full = results.get("full")
    bare = results.get("passthrough")
    if full:
        fps = full["distinct_shown_fps"]
        verdicts.append(f"full model: {fps:g} distinct processed fps shown (target ≥ 20): {'met' if fps >= 20 else 'MISSED'}")
    if full and bare:
        a, b = full["capture_to_display_ms"]["median"], bare["capture_to_display_ms"]["median"]
        if a and b:
            verdicts.append(f"capture→display: full {a:g} ms vs pass-through {b:g} ms = {a / b:.2f}× "
                            f"(target ≤ 1.15×): {'met' if a <= 1.15 * b else 'MISSED'}; "
                            f"reach goal < 179 ms: {'met' if a < 179 else 'not met'}")
    busy_others = max((r["machine_cpu"]["busy_cores"] - r["cpu_cores"]["server"] - r["cpu_cores"]["browser"]
                       for r in results.values()), default=0.0)
    if busy_others > 0.25:
        verdicts.append(f"WARNING: other programs kept about {busy_others:.1f} of the {os.cpu_count()} cores busy "
                        "during a run: these figures are pessimistic; re-run on a quiet machine.")
    for verdict in verdicts:
        print(verdict)
    report = {
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": load_start,
        "camera": {"size": CAMERA_SIZE, "fps": CAMERA_FPS, "source": str(SAMPLE.relative_to(ROOT)),
                   "constraints_override": camera},
        "jitter_buffer_target_ms": args.jitter_target_ms,
        "server_env": SERVER_ENV,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "runs": results,  # the median run of each mode
        "all_runs": runs,
        "verdicts": verdicts,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    print(f"\nwritten: {args.json}" + (f"; screenshot: {args.screenshot}" if args.screenshot else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
