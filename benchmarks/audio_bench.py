"""Music analysis against the render it drives: a 5-minute track, analysed cold, and the
same 5-minute film rendered without music (the baseline, measured in the same run).

The issue this answers: analysing a track must take well under the time to render its
film, and rendering with music must not take more memory as the track gets longer. The
track is paths/music/drums-and-pad.ogg (16 s, CC0) repeated to 5 minutes 4 seconds and
written as a 44.1 kHz WAV in a temporary folder. Each step runs in a fresh process:

* ``analyse``: decode (ffmpeg) + every feature (librosa: STFT, mel, HPSS, onsets in three
  bands, beats, chroma, sections), no cache;
* ``render``: the bundled DCGAN, 5 minutes at 30 fps (9,120 frames) at 64 px to MP4, no music;
* ``render-music``: the same film following the track (keyframes on bars, speed and truncation
  following the drums), the sound muxed in, analysis from the cache;
* ``render-music-1min``: the same at one minute (its analysis cached beforehand too), to
  compare peak memory with five.

    python benchmarks/audio_bench.py
"""

from __future__ import annotations

import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLIP = REPO / "paths" / "music" / "drums-and-pad.ogg"
REPEATS = 19  # 19 x 16 s = 5 min 4 s


def _child(step: str, folder: Path) -> dict:
    sys.path.insert(0, str(REPO))
    import numpy as np

    from odyssey import api, audio

    wav = folder / "track.wav"
    began = time.perf_counter()
    if step == "make":
        import wave

        clip = audio.decode_mono(CLIP, rate=44100)
        pcm = np.clip(np.tile(clip, REPEATS) * 32767, -32768, 32767).astype("<i2")
        with wave.open(str(wav), "wb") as handle:
            handle.setnchannels(1), handle.setsampwidth(2), handle.setframerate(44100), handle.writeframes(pcm.tobytes())
    elif step.startswith("analyse"):
        minute = step.endswith("1min")
        result = audio.features(audio.excerpt(wav, 0.0, 60.0 if minute else None), folder / "renders" / ".cache")  # where renders look
        return {"seconds": time.perf_counter() - began, "track_seconds": result.seconds, "tempo": result.tempo, "beats": len(result.beat_times), "peak_mb": _peak()}
    else:
        music = step.startswith("render-music")
        minutes = 1 if step.endswith("1min") else None
        data = {"model": "dcgan-faces", "fps": 30, "path": {"keyframes": [11, 24, 35, 47, 58, 62], "interpolation": "spherical"}, "video": {"preset": "veryfast"}}
        if music:
            data["audio"] = {"file": str(wav), **({"duration": 60.0 * minutes} if minutes else {})}
            data["path"].update(at="bars", speed={"follow": "percussive", "amount": 0.7})
            data["react"] = {"truncation": {"follow": "percussive", "amount": 0.25}}
        else:
            data["path"]["duration"] = 16.0 * REPEATS
        api.render_file(data, (), folder / f"{step}.mp4", progress=False)
        return {"seconds": time.perf_counter() - began, "peak_mb": _peak()}
    return {"seconds": time.perf_counter() - began}


def _peak() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(step: str, folder: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", step, str(folder)], capture_output=True, text=True, cwd=folder, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{step} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(_child(sys.argv[2], Path(sys.argv[3]))))
        return
    print(f"{time.strftime('%Y-%m-%d')}  {platform.machine()}  {platform.python_version()}  cores: {len(__import__('os').sched_getaffinity(0))}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        run("make", folder)
        results = {step: run(step, folder) for step in ("analyse", "analyse-1min", "render", "render-music", "render-music-1min")}
    a, r, m, m1 = (results[s] for s in ("analyse", "render", "render-music", "render-music-1min"))
    print(f"track: {a['track_seconds']:.1f} s, {a['tempo']:.1f} BPM, {a['beats']} beats")
    print(f"analyse (cold, decode + features)   {a['seconds']:6.1f} s   peak RSS {a['peak_mb']:6.0f} MB")
    print(f"render 5 min, no music (baseline)   {r['seconds']:6.1f} s   peak RSS {r['peak_mb']:6.0f} MB")
    print(f"render 5 min with music (cached)    {m['seconds']:6.1f} s   peak RSS {m['peak_mb']:6.0f} MB")
    print(f"render 1 min with music (cached)    {m1['seconds']:6.1f} s   peak RSS {m1['peak_mb']:6.0f} MB")
    print(f"analysis / render                   {a['seconds'] / r['seconds']:.2f}x")
    print(f"music render / plain render         {m['seconds'] / r['seconds']:.2f}x")
    print(f"peak RSS 5 min / 1 min with music   {m['peak_mb'] / m1['peak_mb']:.2f}x")


if __name__ == "__main__":
    main()
