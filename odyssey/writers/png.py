"""PNG writer: a folder of lossless frames, ``frame_000000.png``, ``frame_000001.png``, ...

ffmpeg's image2 muxer writes the files into a hidden temporary folder next to the final
one, which is renamed into place only when every frame is written. If the final folder
already exists it must hold nothing but frames from an earlier run (``frame_*.png``); it is
then replaced -- its old frames deleted -- only after the new folder is complete, so a
failed render leaves the previous frames as they were. Numbers have six digits and start
at ``VideoSpec.start_number``.
"""

from __future__ import annotations

import os
from pathlib import Path

from odyssey.errors import WriterError
from odyssey.writers.base import FrameWriter, raw_pix_fmt
from odyssey.writers.staging import check_frames_folder, move_folder_into_place

FRAME_PATTERN = "frame_%06d.png"


class PngWriter(FrameWriter):
    """Writes each frame to its own PNG inside a temporary folder, then swaps it in."""

    FORMAT = "png"
    _folder: Path  # the temporary folder of frames

    def _check_destination(self) -> None:
        check_frames_folder(self.path)

    def _stream_output(self) -> list[str]:
        self._folder = self._temp("partial")
        try:
            self._folder.mkdir()
        except OSError as exc:
            raise WriterError(
                f"cannot create a temporary folder in {self.path.parent} ({exc.strerror or exc}); "
                "check that the folder is writable"
            ) from exc
        folder = str(self._folder).replace("%", "%%")  # image2 reads % in names as a pattern
        pattern = f"{folder}{os.sep}{FRAME_PATTERN}"
        return [
            "-c:v", "png", "-pix_fmt", raw_pix_fmt(self.spec),
            "-start_number", str(self.spec.start_number), "-f", "image2", pattern,
        ]  # fmt: skip

    def _finalize(self) -> None:
        check_frames_folder(self.path)  # again: files may have been added while rendering
        move_folder_into_place(self._folder, self.path)
