"""The whole path file: model, output, render and encoder settings around the path."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BeforeValidator, Field, field_validator

from odyssey.config.fields import DEFAULT_MODEL, IntPair, SeedField, _Strict, _name_to_model
from odyssey.config.leg_specs import PathSpec, TruncationSpec
from odyssey.config.music_specs import AudioSpec, ReactSpec
from odyssey.config.styles import NOISE_HELP, SPACE_HELP, NoiseMode, Space, TransformSpec


MIN_SIDE, MAX_SIDE, MAX_ASPECT = 16, 8192, 16


class ModelSpec(_Strict):
    """A model given in full: file or bundled name, optional format and adapter options."""

    path: str = Field(..., description="A bundled model name (see `odyssey models`) or a checkpoint file (relative to this file).")
    format: str | None = Field(None, description="Force an adapter (e.g. 'native', 'dcgan') instead of guessing from the name and contents.")
    options: dict[str, Any] = Field(default_factory=dict, description="Adapter options, e.g. {nz: 100, num_classes: 8} for a raw DCGAN.")


class VideoSettings(_Strict):
    """Encoder settings."""

    crf: int | None = Field(None, ge=0, le=63, description="Quality (lower is better): MP4 default 18, WebM default 32.")
    preset: Literal["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"] = Field(
        "medium", description="x264 speed/size trade-off for MP4."
    )
    codec: Literal["libx264", "h264_nvenc", "hevc_nvenc", "auto"] = Field(
        "libx264", description="MP4 encoder: libx264, NVIDIA's h264_nvenc/hevc_nvenc, or auto (NVENC when it works here, else libx264)."
    )
    threads: int | None = Field(None, ge=1, le=64, description="Encoder threads; default 8, pinned because x264's output depends on its thread count (the same bytes on every machine).")


class OdysseyConfig(_Strict):
    """A whole render: model, path, timing, output."""

    model: Annotated[ModelSpec, BeforeValidator(_name_to_model)] = Field(ModelSpec(path=DEFAULT_MODEL), description="A bundled model name, a checkpoint file, or {path, format, options}.")
    seed: SeedField = Field(0, description="Base seed: keyframes without seed or vector use seed + their index (seeds are 0 to 4294967295).")
    fps: float = Field(30.0, ge=1, le=240, description="Frames per second of the output, 1 to 240 (browsers play GIFs at 50 at most).")
    output: str | None = Field(None, description="Output file (.mp4, .webm, .gif) or a folder for PNG frames. Default: renders/<path file name>.mp4 in the current folder.")
    size: Union[int, IntPair, None] = Field(None, description="Output size: N (width N, height by aspect) or [width, height]. Default: the model's native size.")
    resize: Literal["nearest", "bilinear", "bicubic", "area"] = Field("bicubic", description="Filter for resizing frames to the output size.")
    fit: Literal["pad", "crop", "stretch"] = Field(
        "pad", description="When size has another aspect than the model: pad (the whole picture, black bars), crop (fill the frame, cut the excess at the centre) or stretch (distort)."
    )
    truncation: Union[Annotated[float, Field(ge=0.0, le=2.0)], TruncationSpec] = Field(
        1.0, description="Truncation psi: <1 pulls latents toward the mean for cleaner, less varied images; or {psi, cutoff, centre} with psi a number or a curve over time."
    )
    class_: Union[str, int, None] = Field(None, alias="class", description="Default class for keyframes of a conditional model.")
    path: PathSpec = Field(..., description="The route through latent space.")
    space: Space = Field("z", description=SPACE_HELP)
    noise: NoiseMode = Field("const", description=NOISE_HELP)
    transform: TransformSpec | None = Field(None, description="StyleGAN3 input transform over time: {rotate, turns, translate_x, translate_y, stabilise}.")
    audio: AudioSpec | None = Field(None, description="A soundtrack: {file, start, duration}. The film lasts as long, and MP4/WebM outputs carry it (AAC/Opus).")
    react: ReactSpec | None = Field(None, description="What follows the music frame by frame (needs audio): truncation, noise, radius, class.")
    device: Literal["auto", "cpu", "cuda", "mps"] = Field("auto", description="Where the generator runs; auto picks CUDA, then MPS, then CPU.")
    precision: Literal["auto", "fp32", "fp16", "bf16"] = Field("auto", description="Compute precision; auto = fp16 autocast on CUDA, fp32 elsewhere.")
    batch_size: int | None = Field(None, ge=1, le=4096, description="Frames per generator call; default chosen from resolution and device.")
    compile: bool = Field(False, description="Run the generator under torch.compile (slow to start; see BENCHMARKS.md for when it pays).")
    video: VideoSettings = Field(default_factory=VideoSettings, description="Encoder settings.")
    segment_seconds: float = Field(
        30.0, gt=0, le=86400,
        description="Renders are made in segments of this many seconds of video, each kept once verified: an interrupted render resumes at the first unfinished one, and --shard/--ray split the work by segment.",
    )  # fmt: skip

    @field_validator("size")
    @classmethod
    def _positive_size(cls, value: Any) -> Any:
        sizes = [value] if isinstance(value, int) else list(value or [])
        if any(s < MIN_SIDE or s > MAX_SIDE for s in sizes):
            raise ValueError(f"sizes must be between {MIN_SIDE} and {MAX_SIDE} pixels; the encoders make nothing good of fewer")
        if len(sizes) == 2 and max(sizes) > MAX_ASPECT * min(sizes):
            raise ValueError(f"{sizes[0]}x{sizes[1]} is narrower than 1:{MAX_ASPECT}; give a frame at most {MAX_ASPECT} times as wide as high (or high as wide)")
        return value

