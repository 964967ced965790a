"""Path-file validation: shorthands, defaults, overrides, one-line errors, schema."""

from __future__ import annotations

import json
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
    keyframes = schema["$defs"]["PathSpec"]["properties"]["keyframes"]
    assert {"type": "integer", "minimum": 0} in keyframes["items"]["anyOf"]
    assert any(s.get("type") == "string" for s in schema["properties"]["model"]["anyOf"])
    for name, prop in schema["properties"].items():
        assert prop.get("description"), f"field {name} has no description"


def test_every_field_has_a_description():
    from odyssey import config

    for model in (config.OdysseyConfig, config.PathSpec, config.KeyframeSpec, config.ModelSpec, config.VideoSpec, config.Duration):
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name}"


def test_validate_accepts_full_model_spec():
    cfg = validate({"model": {"path": "x.pth", "format": "dcgan", "options": {"nz": 100}}, "path": {"keyframes": [1]}}, "t")
    assert cfg.model.format == "dcgan"
