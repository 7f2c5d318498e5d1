"""coursedata's loaders: what they return for good files, and the errors for missing or damaged ones.

Damaged files are made small, in tmp_path: a CSV with the wrong delimiter or cut short, a folder of
DICOM slices with a stray file, two series mixed, a slice missing.
"""
import numpy as np
import pytest

import coursedata
from coursedata import (clean_words, fill_missing_hours, fit_to_square, load_bikes, load_ct_volume,
                        load_image_batch, load_text, load_wine, read_csv_rows, read_image,
                        word_index)

WINE_HEADER = '"fixed acidity";"volatile acidity";"quality"\n'
BIKE_HEADER = ",".join(coursedata.BIKE_COLUMNS) + "\n"


def _bike_row(instant, date, hour, count):
    # instant,dteday,season,yr,mnth,hr,holiday,weekday,workingday,weathersit,temp,atemp,hum,windspeed,casual,registered,cnt
    return f"{instant},{date},1,0,1,{hour},0,6,0,1,0.24,0.2879,0.81,0,3,{count - 3},{count}\n"


# --- CSV tables -------------------------------------------------------------------------------

def test_small_wine_file_loads_as_float32(tmp_path):
    path = tmp_path / "wine.csv"
    path.write_text(WINE_HEADER + "7;0.27;6\n6.3;0.3;5\n")
    table, columns = load_wine(path)
    assert columns == ["fixed acidity", "volatile acidity", "quality"]  # csv removes the quotes
    assert table.dtype == np.float32 and table.shape == (2, 3)
    np.testing.assert_array_equal(table, np.array([[7, 0.27, 6], [6.3, 0.3, 5]], dtype=np.float32))


def test_missing_file_says_where_the_data_lives(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"not found: .*nowhere\.csv.*data/README\.md"):
        load_wine(tmp_path / "nowhere.csv")


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(IsADirectoryError, match="expected a file"):
        load_wine(tmp_path)


def test_wrong_delimiter_is_named(tmp_path):
    path = tmp_path / "wine.csv"
    path.write_text(WINE_HEADER.replace(";", ",") + "7,0.27,6\n")
    with pytest.raises(ValueError, match=r"header has no ';' .*looks separated by ','"):
        load_wine(path)


def test_header_without_any_delimiter(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("just_one_word\n1\n")
    with pytest.raises(ValueError, match="header has no ';' between its columns: is this a CSV file"):
        load_wine(path)


def test_truncated_last_line(tmp_path):
    path = tmp_path / "wine.csv"
    path.write_text(WINE_HEADER + "7;0.27;6\n6.3;0.")  # cut off in the middle of a row
    with pytest.raises(ValueError, match=r"the last line: 2 values where the header has 3; .*truncated"):
        load_wine(path)


def test_damaged_line_in_the_middle_is_named(tmp_path):
    path = tmp_path / "wine.csv"
    path.write_text(WINE_HEADER + "7;0.27;6\n6.3;0.3\n6.3;0.3;5\n")
    with pytest.raises(ValueError, match=r"line 3: 2 values where the header has 3"):
        load_wine(path)


def test_empty_file_and_header_only(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match="is empty"):
        load_wine(empty)
    header_only = tmp_path / "header.csv"
    header_only.write_text(WINE_HEADER + "\n")
    with pytest.raises(ValueError, match="no data rows"):
        load_wine(header_only)


def test_a_value_that_is_not_a_number(tmp_path):
    path = tmp_path / "wine.csv"
    path.write_text(WINE_HEADER + "7;n/a;6\n")
    with pytest.raises(ValueError, match=r"wine\.csv: a value is not a number .*n/a"):
        load_wine(path)


def test_read_csv_rows_checks_the_columns(tmp_path):
    path = tmp_path / "hours.csv"
    path.write_text("instant,date\n1,2011-01-01\n")
    with pytest.raises(ValueError, match=r"expected the columns \['instant', 'dteday'"):
        read_csv_rows(path, columns=coursedata.BIKE_COLUMNS)
    assert read_csv_rows(path) == (["instant", "date"], [["1", "2011-01-01"]])


def test_fill_missing_hours_inside_a_day_copies_the_previous_row():
    rows = [r.strip().split(",") for r in (_bike_row(1, "2011-01-01", 0, 16),
                                           _bike_row(2, "2011-01-01", 3, 40))]
    filled = fill_missing_hours(rows)
    assert [row[5] for row in filled] == ["0", "1", "2", "3"]
    assert filled[1][:5] == rows[0][:5] and filled[1][6:16] == rows[0][6:16]
    assert [row[16] for row in filled] == ["16", "0", "0", "40"]
    assert rows[0][16] == "16"  # the input is left as it was


def test_fill_missing_hours_after_midnight_copies_the_next_row():
    rows = [r.strip().split(",") for r in (_bike_row(1, "2011-01-01", 22, 16),
                                           _bike_row(2, "2011-01-02", 2, 40))]
    filled = fill_missing_hours(rows)
    assert [(row[1], row[5], row[16]) for row in filled] == [
        ("2011-01-01", "22", "16"), ("2011-01-01", "23", "0"),
        ("2011-01-02", "0", "0"), ("2011-01-02", "1", "0"), ("2011-01-02", "2", "40")]


def test_fill_missing_hours_rejects_an_impossible_hour():
    rows = [_bike_row(1, "2011-01-01", 0, 16).strip().split(","),
            _bike_row(2, "2011-01-01", 24, 16).strip().split(",")]
    with pytest.raises(ValueError, match="hour '24' is not a whole number from 0 to 23"):
        fill_missing_hours(rows)


def test_small_bike_file_with_a_gap(tmp_path):
    path = tmp_path / "hour.csv"
    path.write_text(BIKE_HEADER + "".join(_bike_row(h + 1, "2011-01-07", h, 10 + h)
                                          for h in range(24) if h != 5))
    table, columns = load_bikes(path)
    assert columns == list(coursedata.BIKE_COLUMNS)
    assert table.shape == (24, 17) and table.dtype == np.float32
    assert table[:, 1].tolist() == [7.0] * 24  # the date became the day of the month
    assert table[:, 5].tolist() == list(range(24))
    assert table[5, 16] == 0 and table[6, 16] == 16
    raw, _ = load_bikes(path, fill_gaps=False)
    assert raw.shape == (23, 17)


def test_bike_file_that_ends_in_the_middle_of_a_day(tmp_path):
    path = tmp_path / "hour.csv"
    path.write_text(BIKE_HEADER + "".join(_bike_row(h + 1, "2011-01-07", h, 10) for h in range(5)))
    with pytest.raises(ValueError, match="5 rows after filling the gaps, not whole days"):
        load_bikes(path)
    assert load_bikes(path, fill_gaps=False)[0].shape == (5, 17)


def test_bike_file_with_a_bad_date(tmp_path):
    path = tmp_path / "hour.csv"
    path.write_text(BIKE_HEADER + _bike_row(1, "2011/01/07", 0, 10))
    with pytest.raises(ValueError, match="'2011/01/07' is not a date like 2011-01-31"):
        load_bikes(path)


def test_the_raw_bike_file_loads_like_the_fixed_one():
    fixed, _ = load_bikes()
    filled, _ = load_bikes(coursedata.data_file("bike-sharing/hour.csv"))
    np.testing.assert_array_equal(filled, fixed)
    raw, _ = load_bikes(coursedata.data_file("bike-sharing/hour.csv"), fill_gaps=False)
    assert raw.shape == (17379, 17)


def test_wine_loader_agrees_with_loadtxt():
    table, columns = load_wine()
    direct = np.loadtxt(coursedata.data_file("wine/winequality-white.csv"), dtype=np.float32,
                        delimiter=";", skiprows=1)
    np.testing.assert_array_equal(table, direct)
    assert columns[-1] == "quality" and len(columns) == 12


# --- text ---------------------------------------------------------------------------------------

def test_clean_words_strips_punctuation_at_the_ends_only():
    assert clean_words('“Well-bred, Mr. Darcy!” she said; "don\'t" _know_\n--') == [
        "well-bred", "mr", "darcy", "she", "said", "don't", "know", ""]


def test_word_index_is_sorted_and_dense():
    index = word_index("b a c a")
    assert index == {"a": 0, "b": 1, "c": 2}


def test_text_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Élisabeth".encode("latin-1"))
    with pytest.raises(ValueError, match="is not UTF-8 text .*convert it to UTF-8"):
        load_text(path)


def test_missing_text_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        load_text(tmp_path / "novel.txt")


# --- images -------------------------------------------------------------------------------------

@pytest.fixture
def iio():
    return pytest.importorskip("imageio.v3")


def test_read_image_makes_three_channels(tmp_path, iio):
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4)
    iio.imwrite(tmp_path / "grey.png", grey)
    image = read_image(tmp_path / "grey.png")
    assert image.shape == (3, 4, 3) and image.dtype == np.uint8
    assert (image == grey[:, :, None]).all()
    rgba = np.zeros((2, 2, 4), dtype=np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, 255
    iio.imwrite(tmp_path / "rgba.png", rgba)
    assert read_image(tmp_path / "rgba.png").tolist() == [[[200, 0, 0]] * 2] * 2


def test_read_image_rejects_a_file_that_is_not_an_image(tmp_path):
    path = tmp_path / "photo.png"
    path.write_text("not really a picture")
    with pytest.raises(ValueError, match="photo.png is not an image that imageio can read"):
        read_image(path)


def test_read_image_rejects_16_bit_pixels(tmp_path, iio):
    iio.imwrite(tmp_path / "deep.png", np.zeros((2, 2), dtype=np.uint16))
    with pytest.raises(ValueError, match="expected 8-bit pixels"):
        read_image(tmp_path / "deep.png")


def test_fit_to_square_keeps_a_constant_image_constant_and_crops_the_centre():
    image = np.full((30, 60, 3), 77, dtype=np.uint8)
    image[:, 25:35] = 200  # a bright band in the middle of the width
    square = fit_to_square(image, 20)
    assert square.shape == (20, 20, 3) and square.dtype == np.uint8
    assert (square[:, 0] == 77).all() and (square[:, -1] == 77).all()
    assert (square[:, 9:11] == 200).all()  # the centre survived the crop


def test_fit_to_square_enlarges_a_small_image():
    square = fit_to_square(np.full((4, 8, 3), 9, dtype=np.uint8), 16)
    assert square.shape == (16, 16, 3) and (square == 9).all()


def test_image_batch_of_a_folder(tmp_path, iio):
    iio.imwrite(tmp_path / "b.png", np.full((40, 50, 3), 10, dtype=np.uint8))
    iio.imwrite(tmp_path / "a.png", np.full((64, 32, 3), 250, dtype=np.uint8))
    (tmp_path / "notes.txt").write_text("not an image, and not read")
    batch, names = load_image_batch(tmp_path, size=16)
    assert names == ["a.png", "b.png"]
    assert batch.shape == (2, 3, 16, 16) and batch.dtype == np.uint8
    assert (batch[0] == 250).all() and (batch[1] == 10).all()


def test_image_batch_of_a_folder_without_images(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing to see")
    with pytest.raises(ValueError, match="holds no image files"):
        load_image_batch(tmp_path)
    with pytest.raises(FileNotFoundError, match="folder not found"):
        load_image_batch(tmp_path / "photos")


# --- CT volumes ---------------------------------------------------------------------------------

def _write_slice(path, z, series="1.2.826.0.1.3680043.8.498.1", pixels=None):
    """A tiny CT slice (3 x 4 pixels, stored value = HU + 1024) at position z."""
    pytest.importorskip("pydicom")
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

    pixels = np.full((3, 4), 1024 + int(z), dtype=np.uint16) if pixels is None else pixels
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = CTImageStorage, meta.MediaStorageSOPInstanceUID, "CT"
    ds.SeriesInstanceUID = series
    ds.ImagePositionPatient = [0.0, 0.0, float(z)]
    ds.PixelSpacing = [0.5, 0.5]
    ds.RescaleSlope, ds.RescaleIntercept = 1, -1024
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.PixelData = pixels.astype(np.uint16).tobytes()
    ds.save_as(path, enforce_file_format=True)


def _series(folder, positions, **kwargs):
    folder.mkdir(exist_ok=True)
    # file names in another order than the positions, like the real series
    for name, z in zip(reversed(range(len(positions))), positions):
        _write_slice(folder / f"{name:06d}.dcm", z, **kwargs)
    return folder


def test_small_series_is_sorted_by_position_and_in_hounsfield_units(tmp_path):
    folder = _series(tmp_path / "ct", [6.0, 0.0, 9.0, 3.0])
    volume, spacing = load_ct_volume(folder)
    assert volume.shape == (4, 3, 4) and volume.dtype == np.float32
    assert volume[:, 0, 0].tolist() == [0.0, 3.0, 6.0, 9.0]  # HU = stored - 1024 = z here
    assert spacing == (3.0, 0.5, 0.5)


def test_hidden_files_are_ignored(tmp_path):
    folder = _series(tmp_path / "ct", [0.0, 3.0])
    (folder / ".DS_Store").write_bytes(b"\0\1")
    assert load_ct_volume(folder)[0].shape == (2, 3, 4)


def test_a_file_that_is_not_dicom(tmp_path):
    folder = _series(tmp_path / "ct", [0.0, 3.0])
    (folder / "notes.txt").write_text("scanned on Tuesday")
    with pytest.raises(ValueError, match="notes.txt in .* is not a DICOM file"):
        load_ct_volume(folder)


def test_two_series_mixed(tmp_path):
    folder = _series(tmp_path / "ct", [0.0, 3.0])
    _write_slice(folder / "other.dcm", 6.0, series="1.2.826.0.1.3680043.8.498.2")
    with pytest.raises(ValueError, match=r"mixes 2 series \(1\.2\.826\.0\.1\.3680043\.8\.498\.1: 2 slices"):
        load_ct_volume(folder)


def test_a_missing_slice(tmp_path):
    folder = _series(tmp_path / "ct", [0.0, 3.0, 6.0, 12.0, 15.0])
    with pytest.raises(ValueError, match=r"3 mm apart, but 6 mm between z = 6 and z = 12 mm: "
                                         r"about 1 slice\(s\) missing"):
        load_ct_volume(folder)


def test_a_duplicate_slice(tmp_path):
    folder = _series(tmp_path / "ct", [0.0, 3.0, 3.0])
    with pytest.raises(ValueError, match="two slices at the same position z = 3.0 mm"):
        load_ct_volume(folder)


def test_slices_of_different_sizes(tmp_path):
    folder = _series(tmp_path / "ct", [0.0, 3.0])
    _write_slice(folder / "big.dcm", 6.0, pixels=np.zeros((5, 5), dtype=np.uint16))
    with pytest.raises(ValueError, match="slices of different sizes"):
        load_ct_volume(folder)


def test_empty_or_missing_series_folder(tmp_path):
    pytest.importorskip("pydicom")
    (tmp_path / "ct").mkdir()
    with pytest.raises(ValueError, match="holds no files"):
        load_ct_volume(tmp_path / "ct")
    with pytest.raises(FileNotFoundError, match="folder not found"):
        load_ct_volume(tmp_path / "elsewhere")
    (tmp_path / "file.dcm").write_text("x")
    with pytest.raises(NotADirectoryError, match="expected a folder"):
        load_ct_volume(tmp_path / "file.dcm")
