"""Images: photos as uint8 arrays, resized and cropped to a square, stacked as a batch (chapter 3, part 4)."""
from pathlib import Path

import numpy as np

from coursedata._files import data_file, existing

IMAGES_FOLDER = "images"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def read_image(path):
    """An RGB photo as a uint8 array (height, width, 3), read with imageio v3.

    A grey-scale image gets its one channel repeated three times and an alpha channel is
    dropped, so that every image has the same three channels."""
    import imageio.v3 as iio  # here, so that the other loaders work without imageio

    path = existing(path)
    try:
        image = iio.imread(path, plugin="pillow")  # PNG and JPEG; no guessing among plugins
    except Exception as error:  # imageio raises various types for unreadable data
        raise ValueError(f"{path} is not an image that imageio can read ({error})") from None
    if image.dtype != np.uint8:
        raise ValueError(f"{path}: expected 8-bit pixels (uint8), found {image.dtype}")
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(f"{path}: expected an RGB image (height, width, 3), found shape {image.shape}")
    return image[:, :, :3]


def _resize_weights(size_in, size_out):
    """A (size_out, size_in) matrix whose rows average neighbouring input pixels (a triangle filter).

    Resizing along one axis is a matrix product: output pixel i is a weighted mean of the input
    pixels around its centre. When shrinking, the triangle is widened by the shrink factor so
    that every input pixel counts (no aliasing), as image libraries do for bilinear resizing."""
    scale = size_in / size_out
    support = max(scale, 1.0)
    centres = (np.arange(size_out) + 0.5) * scale - 0.5
    distance = np.abs(np.arange(size_in)[None, :] - centres[:, None]) / support
    weights = np.clip(1.0 - distance, 0.0, None)
    return weights / weights.sum(axis=1, keepdims=True)


def fit_to_square(image, size=256):
    """Resize an (H, W, C) uint8 image so that its shorter side is `size`, then crop the centre.

    Returns a new (size, size, C) uint8 array."""
    height, width = image.shape[:2]
    scale = size / min(height, width)
    new_height, new_width = max(size, round(height * scale)), max(size, round(width * scale))
    rows = _resize_weights(height, new_height)
    columns = _resize_weights(width, new_width)
    resized = np.einsum("ih,hwc,jw->ijc", rows, image.astype(np.float32), columns, optimize=True)
    top, left = (new_height - size) // 2, (new_width - size) // 2
    square = resized[top:top + size, left:left + size]
    return np.clip(np.rint(square), 0, 255).astype(np.uint8)


def image_files(folder):
    """The image files of `folder` (by suffix), sorted by name."""
    folder = existing(folder, what="folder")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ValueError(f"{folder} holds no image files ({', '.join(IMAGE_SUFFIXES)})")
    return files


def load_image_batch(folder=None, size=256):
    """Every photo of `folder` as one uint8 batch (N, 3, size, size), and the file names.

    Each image is read (`read_image`), brought to size x size (`fit_to_square`) and stored
    channels first, the layout convolutional networks take."""
    files = image_files(data_file(IMAGES_FOLDER) if folder is None else Path(folder))
    batch = np.zeros((len(files), 3, size, size), dtype=np.uint8)
    for i, path in enumerate(files):
        batch[i] = fit_to_square(read_image(path), size).transpose(2, 0, 1)
    return batch, [path.name for path in files]
