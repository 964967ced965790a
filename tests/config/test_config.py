"""Path-file validation: shorthands, defaults, overrides, one-line errors, schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from odyssey.config import Duration, json_schema, load_config, validate
from odyssey.errors import ConfigError


def write(tmp_path: Path, text: str, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_shorthands_and_defaults(tmp_path):
    cfg, out = load_config(write(tmp_path, "path: {keyframes: [1, 2, {seed: 3, hold: 12f}], duration: '4s'}"))
    assert cfg.model.path == "dcgan-faces" and cfg.fps == 30 and cfg.truncation == 1.0
    assert [k.seed for k in cfg.path.keyframes] == [1, 2, 3]
    assert cfg.path.keyframes[2].hold == Duration(frames=12)
    assert cfg.path.duration == Duration(seconds=4.0)
    assert out == (Path.cwd() / "renders" / "p.mp4")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("path: {keyframes: [1], lop: true}", "path.lop: unknown key 'lop'; did you mean 'loop'?"),
        ("path: {keyframes: [1, {sed: 2}]}", "path.keyframes.1.sed: unknown key 'sed'; did you mean 'seed'?"),
        ("fsp: 3\npath: {keyframes: [1]}", "fsp: unknown key 'fsp'; did you mean 'fps'?"),
        ("model: {pth: x}\npath: {keyframes: [1]}", "model.pth: unknown key 'pth'; did you mean 'path'?"),
        ("path: {keyframes: [1], duration: abc}", "path.duration: cannot read 'abc' as a duration"),
        ("fps: 30", "path: this field is required"),
        ("path: {keyframes: []}", "path.keyframes:"),
        ("path: {keyframes: [{seed: 1, vector: a.npy}]}", "give either 'seed' or 'vector'"),
        ("size: [0, 5]\npath: {keyframes: [1]}", "size: sizes must be between"),
        ("path: {keyframes: [1], interpolation: cubic}", "path.interpolation:"),
        ("path: {legs: [{type: wlak}]}", "path.legs.0.type: unknown leg type 'wlak'; did you mean 'walk'?"),
        ("path: {legs: [{duration: 2}]}", "path.legs.0: give the leg a type: keyframes, walk"),
        ("path: {legs: [{type: walk, corelation: 2}]}", "path.legs.0.corelation: unknown key 'corelation'; did you mean 'correlation'?"),
        ("path: {legs: [{type: circle, origin: {sed: 3}}]}", "path.legs.0.origin.sed: unknown key 'sed'; did you mean 'seed'?"),
        ("path: {legs: [{type: circle, radius: 3}]}", "path.legs.0.radius: must be at most 1.0, got 3"),
        ("path: {legs: [{type: circle, axes: [1]}]}", "path.legs.0.axes: List should have at least 2 items"),
        ("path: {legs: [{type: direction, direction: up}]}", "path.legs.0.direction: a direction is 'pca:K'"),
        ("path: {legs: [{type: lissajous, frequency: [1.5, 2]}]}", "path.legs.0.frequency.0:"),
        ("path: {keyframes: [1], legs: [{type: hold}]}", "path: give either keyframes"),
        ("path: {loop: true}", "path: give either keyframes"),
        ("truncation: {psy: 0.7}\npath: {keyframes: [1]}", "truncation.psy: unknown key 'psy'; did you mean 'psi'?"),
        ("truncation: {psi: [[0, 1.0], [2, 3.0]]}\npath: {keyframes: [1]}", "truncation.psi: psi values lie between 0 and 2"),
        ("truncation: 3\npath: {keyframes: [1]}", "truncation: must be at most 2.0, got 3"),
    ],
)
def test_errors_name_file_and_field(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(str(path)) and expected in message and "\n" not in message


def test_bad_yaml_names_line(tmp_path):
    path = write(tmp_path, "path:\n  keyframes: [1, 2\n")
    with pytest.raises(ConfigError, match=r"p\.yaml: line \d+, column \d+: invalid YAML"):
        load_config(path)


def test_missing_file():
    with pytest.raises(ConfigError, match="no such path file"):
        load_config("does/not/exist.yaml")


def test_overrides_take_precedence(tmp_path):
    path = write(tmp_path, "fps: 24\noutput: out/x.gif\npath: {keyframes: [1, 2]}")
    cfg, out = load_config(
        path,
        ["fps=12", "path.loop=true", "path.keyframes.1.seed=9", "model.options.nz=100", "size=[64, 32]"],
    )
    assert cfg.fps == 12 and cfg.path.loop is True and cfg.path.keyframes[1].seed == 9
    assert cfg.model.path == "dcgan-faces" and cfg.model.options == {"nz": 100}
    assert cfg.size == (64, 32)
    assert out == (tmp_path / "out" / "x.gif").resolve()  # relative to the file's folder
    _, out2 = load_config(path, output="elsewhere.webm")
    assert out2 == (Path.cwd() / "elsewhere.webm").resolve()  # --out is relative to cwd


@pytest.mark.parametrize("bad", ["fps", "path.keyframes.5.seed=1", "fps.x=1"])
def test_bad_overrides(tmp_path, bad):
    with pytest.raises(ConfigError, match="--set"):
        load_config(write(tmp_path, "fps: 24\npath: {keyframes: [1, 2]}"), [bad])


def test_override_error_mentions_overrides(tmp_path):
    with pytest.raises(ConfigError, match=r"with --set overrides\): path.loop"):
        load_config(write(tmp_path, "path: {keyframes: [1, 2]}"), ["path.loop=maybe"])


def test_relative_files_resolve_against_path_file(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    cfg, _ = load_config(write(sub, "model: ../m/g.pth\npath: {keyframes: [{vector: v.npy}, 2]}"))
    assert Path(cfg.model.path) == sub / "../m/g.pth"
    assert Path(cfg.path.keyframes[0].vector) == sub / "v.npy"
    cfg2, _ = load_config(write(sub, "model: omniart-eyes\npath: {keyframes: [1]}", "q.yaml"))
    assert cfg2.model.path == "omniart-eyes"  # bundled names are not files


def test_schema_is_json_and_advertises_shorthands():
    schema = json.loads(json.dumps(json_schema()))
    assert schema["additionalProperties"] is False
    keyframes = next(s for s in schema["$defs"]["PathSpec"]["properties"]["keyframes"]["anyOf"] if s.get("type") == "array")
    assert {"type": "integer", "minimum": 0} in keyframes["items"]["anyOf"]
    legs = next(s for s in schema["$defs"]["PathSpec"]["properties"]["legs"]["anyOf"] if s.get("type") == "array")
    assert set(legs["items"]["discriminator"]["mapping"]) == {"keyframes", "walk", "noise-loop", "circle", "lissajous", "polyline", "direction", "hold"}
    walk_duration = json.dumps(schema["$defs"]["WalkLegSpec"]["properties"]["duration"])
    assert '"type": "string"' in walk_duration and "Duration" in walk_duration  # "2s" / "60f" shorthands
    assert any(s.get("type") == "string" for s in schema["properties"]["model"]["anyOf"])
    for name, prop in schema["properties"].items():
        assert prop.get("description"), f"field {name} has no description"


def test_every_field_has_a_description():
    from odyssey import config

    legs = (config.KeyframesLegSpec, config.WalkLegSpec, config.NoiseLoopLegSpec, config.CircleLegSpec, config.LissajousLegSpec, config.PolylineLegSpec, config.DirectionLegSpec, config.HoldLegSpec)
    others = (config.OdysseyConfig, config.PathSpec, config.KeyframeSpec, config.ModelSpec, config.VideoSettings, config.Duration, config.AxisSpec, config.TruncationSpec)
    for model in others + legs:
        assert model.model_config.get("extra") == "forbid", model.__name__
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name}"


def test_validate_accepts_full_model_spec():
    cfg = validate({"model": {"path": "x.pth", "format": "dcgan", "options": {"nz": 100}}, "path": {"keyframes": [1]}}, "t")
    assert cfg.model.format == "dcgan"


def test_legs_shorthands_and_defaults(tmp_path):
    text = """
path:
  legs:
    - {type: keyframes, keyframes: [1, {seed: 2, hold: 6f}], interpolation: spherical}
    - {type: walk, duration: 3}
    - {type: circle, origin: 5, axes: [7, "pca:2"], duration: '90f', speed: constant}
    - {type: hold, duration: 1}
"""
    cfg, _ = load_config(write(tmp_path, text))
    keyframes, walk, circle, hold = cfg.path.legs
    assert [k.seed for k in keyframes.keyframes] == [1, 2] and keyframes.interpolation == "spherical"
    assert walk.correlation == 1.0 and walk.smoothness == 2 and walk.loop is None and walk.speed is None
    assert circle.origin.seed == 5 and circle.axes[0].seed == 7 and circle.axes[1].direction == "pca:2"
    assert circle.duration == Duration(frames=90) and hold.duration == Duration(seconds=1.0)
    assert cfg.path.speed == "natural" and cfg.path.keyframes is None


def test_leg_files_resolve_against_the_path_file(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    text = """
truncation: {psi: 0.8, centre: {vector: c.npy}}
path:
  legs:
    - {type: polyline, file: drawing.csv, axes: [{vector: a.npy}, dir.npy], duration: 2}
    - {type: direction, direction: pca:1, duration: 1}
    - {type: keyframes, keyframes: [{vector: k.npy}]}
"""
    cfg, _ = load_config(write(sub, text))
    poly, direction, keys = cfg.path.legs
    assert Path(poly.file) == sub / "drawing.csv"
    assert Path(poly.axes[0].vector) == sub / "a.npy" and Path(poly.axes[1].direction) == sub / "dir.npy"
    assert direction.direction == "pca:1"
    assert Path(keys.keyframes[0].vector) == sub / "k.npy"
    assert Path(cfg.truncation.centre.vector) == sub / "c.npy"


def test_truncation_forms(tmp_path):
    plain, _ = load_config(write(tmp_path, "truncation: 0.7\npath: {keyframes: [1]}"))
    assert plain.truncation == 0.7
    full, _ = load_config(write(tmp_path, "truncation: {psi: [[0, 1], ['60f', 0.5], [4, 1]], cutoff: 8, centre: 12}\npath: {keyframes: [1]}", "q.yaml"))
    assert full.truncation.curve(30.0) == [(0.0, 1.0), (2.0, 0.5), (4.0, 1.0)]
    assert full.truncation.cutoff == 8 and full.truncation.centre.seed == 12


def test_overrides_reach_into_legs(tmp_path):
    path = write(tmp_path, "path: {legs: [{type: walk, duration: 2}, {type: hold, duration: 1}]}")
    cfg, _ = load_config(path, ["path.legs.0.correlation=0.25", "path.legs.1.duration=30f"])
    assert cfg.path.legs[0].correlation == 0.25 and cfg.path.legs[1].duration == Duration(frames=30)


# -- issue 11: paths that mean what they say, every problem at once, scripts without YAML ---------


def test_files_on_the_command_line_are_relative_to_where_the_user_stands(tmp_path, monkeypatch):
    folder = tmp_path / "paths"
    folder.mkdir()
    path = write(folder, "model: net.pkl\npath: {keyframes: [1, {vector: z.npy}]}")
    here = tmp_path / "work"
    here.mkdir()
    monkeypatch.chdir(here)
    cfg, _ = load_config(path)  # in the file: relative to the file
    assert cfg.model.path == str(folder / "net.pkl") and cfg.path.keyframes[1].vector == str(folder / "z.npy")
    cfg, out = load_config(path, ["model=./mine.pkl", "path.keyframes.1.vector=w.npy", "output=o.gif"])
    assert cfg.model.path == str(here / "mine.pkl") and cfg.path.keyframes[1].vector == str(here / "w.npy")
    assert out == here / "o.gif"
    cfg, _ = load_config(path, ["model={path: sub/net.pkl, format: stylegan}", "path.keyframes=[1, {image: a.png}]", "model.options.x=y.pkl"])
    assert cfg.model.path == str(here / "sub/net.pkl") and cfg.path.keyframes[1].image == str(here / "a.png")
    assert cfg.model.options == {"x": "y.pkl"}  # adapter options are not file names
    cfg, _ = load_config(path, ["model=omniart-eyes", "path={legs: [{type: direction, direction: pca:1}]}"])
    assert cfg.model.path == "omniart-eyes" and cfg.path.legs[0].direction == "pca:1"  # names, not files


def test_a_dict_is_a_path_file_with_files_relative_to_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = {"fps": 10, "path": {"keyframes": [1, {"vector": "z.npy"}], "loop": True}}
    cfg, out = load_config(data)
    assert cfg.fps == 10 and cfg.path.keyframes[1].vector == str(tmp_path / "z.npy")
    assert out == tmp_path / "renders" / "odyssey.mp4" and data["path"]["keyframes"][1] == {"vector": "z.npy"}  # not changed
    with pytest.raises(ConfigError, match=r"^path \(a dict\): path\.lop: unknown key 'lop'"):
        load_config({"path": {"keyframes": [1], "lop": True}})


@pytest.mark.parametrize(
    ("keyframes", "seeds"),
    [("0-3", [0, 1, 2, 3]), ("'3, 10-12'", [3, 10, 11, 12]), ("[7, '10-11', 2]", [7, 10, 11, 2]), ("[5]", [5])],
)
def test_seed_ranges_in_keyframe_lists(tmp_path, keyframes, seeds):
    cfg, _ = load_config(write(tmp_path, f"path: {{keyframes: {keyframes}}}"))
    assert [k.seed for k in cfg.path.keyframes] == seeds


@pytest.mark.parametrize(("text", "message"), [("5-2", "runs backwards; write it low-high, e.g. 2-5"), ("a-b", "cannot read 'a-b' as seeds"), ("0-99999", "more than 10000 seeds")])
def test_bad_seed_ranges_say_how_to_write_them(tmp_path, text, message):
    with pytest.raises(ConfigError, match="path.keyframes: .*" + re.escape(message)):
        load_config(write(tmp_path, f"path: {{keyframes: '{text}'}}"))


def test_every_problem_is_named_one_line_each(tmp_path):
    path = write(tmp_path, "fps: 0\nsize: [0, 4]\npath: {keyframes: [1], lop: 1}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    lines = str(info.value).splitlines()
    assert len(lines) == 3 and all(line.startswith(f"{path}: ") for line in lines)
    assert "path.lop: unknown key 'lop'" in lines[0]  # unknown keys first
    assert any("fps:" in line for line in lines) and any("size:" in line for line in lines)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("path: {keyframes: [1, 2], duration: 0}", "path.duration: a path lasts longer than nothing"),
        ("path: {keyframes: [1, 2], duration: -2}", "path.duration: must be at least 0.0, got -2"),
        ("path: {keyframes: [1, {seed: 2, hold: -1}]}", "path.keyframes.1.hold: must be at least 0.0"),
    ],
)
def test_durations_are_reported_as_the_user_wrote_them(tmp_path, text, expected):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    message = str(info.value)
    assert expected in message and ".seconds" not in message and ".frames" not in message and "path.loop" not in message


def test_control_characters_in_keys_are_escaped(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text('path: {keyframes: [1]}\n"bad\\x1b[31mkey": 1\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "\x1b" not in str(info.value) and "bad\\x1b[31mkey" in str(info.value)
