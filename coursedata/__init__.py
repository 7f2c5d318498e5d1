"""The course's data sets, read from the repository's data/ folder into NumPy arrays.

Chapter 3 builds each pipeline step by step; these functions are the same steps packaged for the
later chapters and the exercises, with checks that turn a missing or damaged file into a clear
error. They return NumPy arrays (not tensors) so that they work unchanged whichever tensor
library reads them: `torch.from_numpy(array)` with dlcore or with PyTorch.
"""
from coursedata._files import DATA_DIR, data_file
from coursedata.tables import (BIKE_COLUMNS, fill_missing_hours, load_bikes, load_wine,
                               read_csv_rows)
from coursedata.text import clean_words, load_text, word_index
from coursedata.images import fit_to_square, load_image_batch, read_image
from coursedata.volumes import load_ct_volume

__all__ = ["DATA_DIR", "data_file", "read_csv_rows", "load_wine", "load_bikes", "BIKE_COLUMNS",
           "fill_missing_hours", "load_text", "clean_words", "word_index", "read_image",
           "fit_to_square", "load_image_batch", "load_ct_volume"]
