"""Volumes: a CT series (a folder of DICOM slices) as one array in Hounsfield units (chapter 3, part 5)."""
import collections

import numpy as np

from coursedata._files import data_file, existing

CT_FOLDER = "ct-lung"


def _read_slices(folder):
    """Every file of `folder` read with pydicom; hidden files (.DS_Store, ...) are skipped."""
    import pydicom  # here, so that the other loaders work without pydicom
    from pydicom.errors import InvalidDicomError

    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    if not files:
        raise ValueError(f"{folder} holds no files: expected the DICOM slices of one series")
    slices = []
    for path in files:
        try:
            slices.append(pydicom.dcmread(path))
        except InvalidDicomError:
            raise ValueError(f"{path.name} in {folder} is not a DICOM file: the folder must hold "
                             "the slices of one series and nothing else") from None
    return files, slices


def _check_one_series(folder, files, slices):
    series = collections.Counter(str(s.get("SeriesInstanceUID", "")) for s in slices)
    if len(series) > 1:
        counts = ", ".join(f"{uid or '(none)'}: {n} slices" for uid, n in series.most_common())
        raise ValueError(f"{folder} mixes {len(series)} series ({counts}); keep one series per folder")
    for path, s in zip(files, slices):
        if "ImagePositionPatient" not in s or "PixelData" not in s:
            raise ValueError(f"{path.name} in {folder} is a DICOM file without an image position "
                             "or pixels: not a slice of a volume")
    shapes = collections.Counter((int(s.Rows), int(s.Columns)) for s in slices)
    if len(shapes) > 1:
        raise ValueError(f"{folder}: slices of different sizes {dict(shapes)}")


def _check_spacing(folder, positions):
    """Slices must be evenly spaced along z: a wider gap means slices are missing."""
    steps = np.diff(positions)
    if np.any(steps == 0):
        z = positions[1:][steps == 0][0]
        raise ValueError(f"{folder}: two slices at the same position z = {z} mm (a duplicate?)")
    if len(steps) == 0:
        return 0.0
    spacing = float(np.median(steps))
    wrong = np.flatnonzero(np.abs(steps - spacing) > 0.01 * spacing)
    if len(wrong):
        i = wrong[0]
        missing = round(steps[i] / spacing) - 1
        raise ValueError(
            f"{folder}: slices are {spacing:g} mm apart, but {steps[i]:g} mm between z = "
            f"{positions[i]:g} and z = {positions[i + 1]:g} mm: about {missing} slice(s) missing "
            "there; a volume needs every slice")
    return spacing


def load_ct_volume(folder=None):
    """A CT series as a float32 volume (depth, height, width) in Hounsfield units, and its spacing.

    The slices are ordered by their position along the body (ImagePositionPatient's z, from
    feet to head), not by file name, and each stored value is mapped to Hounsfield units with
    its slice's RescaleSlope and RescaleIntercept (air about -1000, water 0, bone above 400).
    Returns (volume, (dz, dy, dx)) with the spacing in millimetres.

    Raises ValueError for a file that is not DICOM, slices of several series, slices of
    different sizes, and missing or duplicate slices."""
    folder = existing(data_file(CT_FOLDER) if folder is None else folder, what="folder")
    files, slices = _read_slices(folder)
    _check_one_series(folder, files, slices)
    order = sorted(range(len(slices)), key=lambda i: float(slices[i].ImagePositionPatient[2]))
    slices = [slices[i] for i in order]
    positions = np.array([float(s.ImagePositionPatient[2]) for s in slices])
    dz = _check_spacing(folder, positions)
    volume = np.empty((len(slices), int(slices[0].Rows), int(slices[0].Columns)), dtype=np.float32)
    for depth, s in enumerate(slices):
        slope, intercept = float(s.get("RescaleSlope", 1)), float(s.get("RescaleIntercept", 0))
        volume[depth] = s.pixel_array * np.float32(slope) + np.float32(intercept)
    dy, dx = (float(v) for v in slices[0].get("PixelSpacing", (1.0, 1.0)))
    return volume, (dz, dy, dx)
