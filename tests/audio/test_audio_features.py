"""Music features on synthetic signals whose answers are known (librosa via odyssey.audio)."""

from __future__ import annotations

import numpy as np
import pytest

from odyssey import audio
from odyssey.audio import soundtrack
from odyssey.errors import ConfigError
from odyssey.paths import frame_envelope
from tests.audio.audio_testkit import RATE, clicks, tone, write_wav

BEATS = [0.5 + 0.5 * i for i in range(14)]  # 120 BPM from 0.5 s to 7 s


@pytest.fixture(scope="module")
def click_features(tmp_path_factory):
    wav = write_wav(tmp_path_factory.mktemp("clicks") / "clicks.wav", clicks(BEATS, 8.0))
    return audio.features(audio.excerpt(wav))


def test_clicks_give_onsets_and_beats_at_their_times(click_features):
    f = click_features
    assert f.seconds == pytest.approx(8.0, abs=1e-3)
    assert f.tempo == pytest.approx(120.0, rel=0.03)
    found = f.beat_times
    assert len(found) >= len(BEATS) - 1
    nearest = np.array([np.min(np.abs(found - t)) for t in BEATS[1:-1]])
    assert nearest.max() < 0.035  # within a librosa frame and a half (23 ms each)
    # onsets laid on 30 fps film frames peak on the frames of the clicks, and nowhere else
    env = frame_envelope(f.signal("onsets"), f.frame_rate, 30, 240, "max")
    peaks = np.flatnonzero((env[1:-1] > env[:-2]) & (env[1:-1] >= env[2:]) & (env[1:-1] > 0.5 * env.max())) + 1
    assert sorted(set(np.round(peaks / 30 * 2) / 2)) == BEATS  # a peak for every click, and only there
    assert max(np.min(np.abs(np.array(BEATS) - p / 30)) for p in peaks) < 0.06  # within a frame and a librosa hop
    for name in audio.SIGNALS:
        assert f.signal(name).shape == (f.chroma.shape[1],) and (f.signal(name) >= 0).all()
    with pytest.raises(ConfigError, match="unknown feature 'kick'"):
        f.signal("kick")


def test_bass_and_treble_split_a_kick_from_a_hat(tmp_path):
    rate = RATE
    t = np.arange(int(0.2 * rate)) / rate
    kick = np.sin(2 * np.pi * 55 * t) * np.exp(-t / 0.08)
    hat = np.random.default_rng(0).standard_normal(t.size) * np.exp(-t / 0.01)
    hat = np.diff(hat, prepend=0.0)  # high-passed noise
    track = np.zeros(4 * rate)
    track[rate : rate + t.size] += kick  # a kick at 1 s
    track[3 * rate : 3 * rate + t.size] += 0.5 * hat  # a hat at 3 s
    f = audio.features(audio.excerpt(write_wav(tmp_path / "kh.wav", track / np.abs(track).max())))
    times = np.arange(f.signal("bass").size) / f.frame_rate
    near = lambda at: (times > at - 0.1) & (times < at + 0.15)  # noqa: E731
    assert f.signal("bass")[near(1.0)].max() > 3 * f.signal("bass")[near(3.0)].max()
    assert f.signal("treble")[near(3.0)].max() > 3 * f.signal("treble")[near(1.0)].max()


def test_a_pure_tone_gives_its_pitch_class(tmp_path):
    f = audio.features(audio.excerpt(write_wav(tmp_path / "a440.wav", tone(440.0, 3.0))))
    assert int(np.argmax(f.chroma.mean(axis=1))) == audio.PITCH_CLASSES.index("A")
    f = audio.features(audio.excerpt(write_wav(tmp_path / "c.wav", tone(261.63, 3.0))))
    assert int(np.argmax(f.chroma.mean(axis=1))) == audio.PITCH_CLASSES.index("C")


def test_silence_gives_nothing_to_follow(tmp_path):
    f = audio.features(audio.excerpt(write_wav(tmp_path / "silence.wav", np.zeros(3 * RATE))))
    assert all(not f.signal(name).any() for name in audio.SIGNALS)
    assert f.beat_times.size == 0 and f.section_times.size == 0 and not f.chroma.any()


def test_sections_split_two_different_halves(tmp_path):
    track = np.concatenate([tone(220.0, 10.0), clicks([0.25 * i for i in range(40)], 10.0) * 0.5 + tone(311.13, 10.0)])
    f = audio.features(audio.excerpt(write_wav(tmp_path / "ab.wav", track), sections=2))
    assert len(f.section_times) == 1 and f.section_times[0] == pytest.approx(10.0, abs=0.5)


def test_excerpt_bounds_and_bad_files_are_one_line_errors(tmp_path):
    wav = write_wav(tmp_path / "t.wav", tone(440.0, 2.0))
    assert audio.excerpt(wav, 0.5, 1.0).seconds == 1.0
    assert audio.excerpt(wav, 0.5).seconds == pytest.approx(1.5, abs=1e-3)
    with pytest.raises(ConfigError, match=r"^audio.start: 3 s is past the end of t.wav \(2.000 s long\)"):
        audio.excerpt(wav, 3.0)
    with pytest.raises(ConfigError, match="^audio.duration: t.wav is 2.000 s long, so an excerpt from 1 s lasts at most 1.000 s"):
        audio.excerpt(wav, 1.0, 5.0)
    with pytest.raises(ConfigError, match="^audio.file: .*missing.wav does not exist"):
        audio.excerpt(tmp_path / "missing.wav")
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"this is not sound" * 100)
    with pytest.raises(ConfigError, match="^audio.file: ffmpeg finds no sound in .*junk.mp3") as info:
        audio.excerpt(junk)
    assert "\n" not in str(info.value)


def test_analysis_is_cached_by_content(tmp_path, monkeypatch):
    wav = write_wav(tmp_path / "t.wav", clicks([0.5, 1.0, 1.5], 2.0))
    cache = tmp_path / "cache"
    first = audio.features(audio.excerpt(wav), cache)
    assert len(list(cache.glob("audio-*.npz"))) == 1
    monkeypatch.setattr(soundtrack, "analyse", lambda *a, **k: pytest.fail("analysed again"))
    again = audio.features(audio.excerpt(wav), cache)
    assert np.array_equal(again.signal("onsets"), first.signal("onsets")) and again.tempo == first.tempo
    write_wav(wav, clicks([0.25, 1.0], 2.0))  # new contents: a new analysis
    with pytest.raises(pytest.fail.Exception, match="analysed again"):
        audio.features(audio.excerpt(wav), cache)


def test_without_librosa_the_error_names_the_extra(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_librosa(name, *args, **kwargs):
        if name == "librosa" or name.startswith("librosa."):
            raise ImportError("No module named 'librosa'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_librosa)
    with pytest.raises(ConfigError, match=r"^music analysis needs librosa: pip install 'odyssey\[audio\]'$"):
        audio.analyse(np.zeros(1000, dtype=np.float32), 22050)
