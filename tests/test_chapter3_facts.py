"""Every fact that ../shared/SYLLABUS.md lists for chapter 3, computed from coursedata's loaders with
dlcore, independently of the notebooks (which show the same steps one by one).

Where a fact is a float32 reduction (means, variances), PyTorch's value is the reference: those
tests also compute it with PyTorch when it is installed and compare.
"""
import numpy as np
import pytest

import coursedata
import dlcore as torch


# --- 1. wine -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def wineq():
    table, _ = coursedata.load_wine()
    return torch.from_numpy(table)


def test_wine_table(wineq):
    _, columns = coursedata.load_wine()
    assert wineq.shape == (4898, 12)
    assert wineq.type() == "dlcore.FloatTensor"
    assert columns[6] == "total sulfur dioxide" and columns[-1] == "quality"
    data, target = wineq[:, :-1], wineq[:, -1]
    assert data.shape == (4898, 11) and target.shape == (4898,)
    assert target.long().dtype == torch.int64


def test_wine_one_hot_with_scatter(wineq):
    target = wineq[:, -1].long()
    assert target.unsqueeze(1).shape == (4898, 1)
    # from_numpy keeps the table on the CPU; the new tensors go where it is (any test device)
    onehot = torch.zeros(4898, 10, device=target.device).scatter_(1, target.unsqueeze(1), 1.0)
    assert torch.equal(onehot.sum(dim=1), torch.ones(4898, device=target.device))
    assert torch.equal(onehot.argmax(dim=1), target)


def test_wine_column_mean_and_var(wineq):
    data = wineq[:, :-1]
    mean, var = torch.mean(data, dim=0), torch.var(data, dim=0)
    np.testing.assert_allclose(mean[:3].tolist(), [6.8548, 0.27824, 0.33419], rtol=1e-4)
    assert var[0].item() == pytest.approx(0.71211, rel=1e-4)
    standardized = (data - mean) / torch.sqrt(var)
    np.testing.assert_allclose(standardized.std(dim=0).tolist(), [1.0] * 11, rtol=1e-5)
    assert standardized.mean(dim=0).abs().max().item() < 1e-5


def test_wine_mean_and_var_agree_with_pytorch(wineq):
    real_torch = pytest.importorskip("torch")
    table, _ = coursedata.load_wine()
    expected = real_torch.from_numpy(table)[:, :-1]
    data = wineq[:, :-1]
    np.testing.assert_allclose(torch.mean(data, dim=0).cpu().numpy(), expected.mean(dim=0).cpu().numpy(), rtol=1e-6)
    np.testing.assert_allclose(torch.var(data, dim=0).cpu().numpy(), expected.var(dim=0).cpu().numpy(), rtol=1e-5)


def test_wine_bad_mask_is_bool_and_selects_20(wineq):
    data, target = wineq[:, :-1], wineq[:, -1]
    bad = torch.le(target, 3)
    assert bad.dtype == torch.bool  # erratum: comparisons give bool, not uint8
    assert bad.sum().item() == 20
    assert data[bad].shape == (20, 11)


def test_wine_group_means(wineq):
    data, target = wineq[:, :-1].double(), wineq[:, -1]
    bad = data[target <= 3].mean(dim=0)
    mid = data[(target > 3) & (target < 7)].mean(dim=0)
    good = data[target >= 7].mean(dim=0)
    sulfur, alcohol = 6, 10
    assert [round(v[sulfur].item(), 2) for v in (bad, mid, good)] == [170.60, 141.83, 125.25]
    assert [round(v[alcohol].item(), 2) for v in (mid, good)] == [10.26, 11.42]
    # the syllabus's 10.34 is PyTorch's float32 sum; the exact mean is 10.345000..., see the notebook
    assert bad[alcohol].item() == pytest.approx(10.345, abs=1e-6)


def test_wine_sulfur_threshold_precision_and_recall(wineq):
    data, target = wineq[:, :-1], wineq[:, -1]
    predicted = torch.lt(data[:, 6], 141.83)
    actual = torch.gt(target, 5)
    n_matches = torch.sum(actual & predicted).item()
    assert (predicted.sum().item(), actual.sum().item(), n_matches) == (2727, 3258, 2018)
    assert round(n_matches / predicted.sum().item(), 4) == 0.7400
    assert round(n_matches / actual.sum().item(), 4) == 0.6194


# --- 2. bikes ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bikes():
    table, _ = coursedata.load_bikes()
    return torch.from_numpy(table)


def test_bikes_table_days_and_strides(bikes):
    assert bikes.shape == (17520, 17) and bikes.stride() == (17, 1)
    assert bikes[:24, 1].tolist() == [1.0] * 24  # the date converted to the day of the month
    assert bikes[-1, 1].item() == 31.0
    daily_bikes = bikes.view(-1, 24, bikes.shape[1])
    assert daily_bikes.shape == (730, 24, 17) and daily_bikes.stride() == (408, 17, 1)
    daily_bikes = daily_bikes.transpose(1, 2)
    assert daily_bikes.shape == (730, 17, 24) and daily_bikes.stride() == (408, 1, 17)
    assert daily_bikes.data_ptr() == bikes.data_ptr() and not daily_bikes.is_contiguous()
    assert daily_bikes[:, 5, :].tolist() == [list(map(float, range(24)))] * 730  # hour of day


def test_bikes_weather_one_hot_and_cat(bikes):
    first_day = bikes[:24].long()
    # from_numpy keeps the table on the CPU; the new tensors go where it is (any test device)
    weather_onehot = torch.zeros(24, 4, device=bikes.device)
    weather_onehot.scatter_(dim=1, index=first_day[:, 9].unsqueeze(1).long() - 1, value=1.0)
    assert torch.equal(weather_onehot.argmax(dim=1) + 1, first_day[:, 9])
    assert torch.cat((bikes[:24], weather_onehot), 1).shape == (24, 21)

    daily_bikes = bikes.view(-1, 24, 17).transpose(1, 2)
    daily_weather = torch.zeros(730, 4, 24, device=bikes.device)
    daily_weather.scatter_(1, daily_bikes[:, 9, :].long().unsqueeze(1) - 1, 1.0)
    assert torch.equal(daily_weather.sum(dim=1), torch.ones(730, 24, device=bikes.device))
    assert torch.cat((daily_bikes, daily_weather), dim=1).shape == (730, 21, 24)


def test_bikes_weather_ordinal_and_temperature_rescaling(bikes):
    weather = torch.zeros(730, 4, 24, device=bikes.device)   # where from_numpy put the table
    daily_bikes = torch.cat((bikes.view(-1, 24, 17).transpose(1, 2), weather), dim=1)
    daily_bikes[:, 9, :] = (daily_bikes[:, 9, :] - 1.0) / 3.0
    assert daily_bikes[:, 9, :].min().item() == 0.0 and daily_bikes[:, 9, :].max().item() == 1.0
    assert bikes[:, 9].min().item() == 1.0  # cat copied: the table itself is unchanged
    temp = daily_bikes[:, 10, :]
    rescaled = (temp - temp.min()) / (temp.max() - temp.min())
    assert (rescaled.min().item(), rescaled.max().item()) == (0.0, 1.0)
    standardized = (temp - temp.mean()) / temp.std()
    assert standardized.std().item() == pytest.approx(1.0, rel=1e-5)
    assert abs(standardized.mean().item()) < 1e-5


def test_raw_hours_filled_reproduce_the_fixed_file_exactly():
    header, raw_rows = coursedata.read_csv_rows(coursedata.data_file("bike-sharing/hour.csv"))
    assert len(raw_rows) == 17379
    filled = coursedata.fill_missing_hours(raw_rows)
    text = "".join(",".join(row) + "\n" for row in [header] + filled)
    fixed = coursedata.data_file("bike-sharing/hour-fixed.csv").read_bytes()
    assert text.encode() == fixed


# --- 3. text -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def novel():
    return coursedata.load_text()


def test_line_200_and_its_character_one_hot(novel):
    line = novel.split("\n")[200]
    assert line == "“Impossible, Mr. Bennet, impossible, when I am not acquainted with him"
    assert len(line) == 70
    letter_t = torch.zeros(len(line), 128)
    for i, letter in enumerate(line.lower().strip()):
        letter_t[i][ord(letter) if ord(letter) < 128 else 0] = 1
    assert letter_t.shape == (70, 128)
    assert torch.equal(letter_t.sum(dim=1), torch.ones(70))
    assert letter_t[0, 0].item() == 1  # the curly quote is not ASCII
    assert letter_t[1, ord("i")].item() == 1


def test_vocabulary_and_word_tensor(novel):
    index = coursedata.word_index(novel)
    assert len(index) == 7261
    assert index["impossible"] == 3394
    words = coursedata.clean_words(novel.split("\n")[200])
    assert [index[w] for w in words] == [3394, 4305, 813, 3394, 7078, 3315, 415, 4436, 239, 7148, 3215]
    word_t = torch.zeros(len(words), len(index))
    for i, word in enumerate(words):
        word_t[i][index[word]] = 1
    assert word_t.shape == (11, 7261)


def test_the_byte_order_mark_is_one_of_the_words(novel):
    assert novel[0] == "\ufeff"
    assert max(coursedata.word_index(novel)) == "\ufeffthe"


# --- 4. images ---------------------------------------------------------------------------------

def test_image_permute_is_a_view_and_transpose_is_the_erratum():
    pytest.importorskip("imageio")
    img = torch.from_numpy(coursedata.read_image(coursedata.data_file("images/chelsea.png")))
    assert img.shape == (300, 451, 3) and img.dtype == torch.uint8
    out = img.permute(2, 0, 1)
    assert out.shape == (3, 300, 451) and out.data_ptr() == img.data_ptr()
    img[0, 0, 0] = 7
    assert out[0, 0, 0].item() == 7
    assert img.transpose(0, 2).shape == (3, 451, 300)  # C x W x H: the picture on its side


def test_image_batch_to_float_and_standardised():
    pytest.importorskip("imageio")
    array, names = coursedata.load_image_batch()
    batch = torch.from_numpy(array)
    assert batch.shape == (4, 3, 256, 256) and batch.dtype == torch.uint8
    assert names == ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg"]
    batch = batch.float() / 255.0
    assert 0.0 <= batch.min().item() and batch.max().item() <= 1.0
    for c in range(3):
        batch[:, c] = (batch[:, c] - torch.mean(batch[:, c])) / torch.std(batch[:, c])
        assert abs(torch.mean(batch[:, c]).item()) < 1e-5
        assert torch.std(batch[:, c]).item() == pytest.approx(1.0, rel=1e-5)


# --- 5. CT volume ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ct():
    pytest.importorskip("pydicom")
    return coursedata.load_ct_volume()


def test_ct_volume_shape_spacing_and_channel(ct):
    volume, spacing = ct
    vol = torch.from_numpy(volume)
    assert vol.shape == (99, 512, 512) and vol.dtype == torch.float32
    assert spacing == (3.0, 0.564453125, 0.564453125)
    assert torch.unsqueeze(vol, 0).shape == (1, 99, 512, 512)
    assert vol.transpose(0, 2).shape == (512, 512, 99)  # the erratum's W x H x D


def test_ct_hounsfield_range(ct):
    vol = torch.from_numpy(ct[0])
    assert (vol.min().item(), vol.max().item()) == (-1024.0, 3071.0)  # 12-bit values - 1024
    air = vol[vol < -500]
    counts, edges = np.histogram(air.cpu().numpy(), bins=np.arange(-1030, -495, 10))
    assert abs(edges[counts.argmax()] + 1000) < 100  # air is about -1000 HU
    assert 0.3 < ((vol >= -150) & (vol <= 100)).float().mean().item() < 0.4  # soft tissue near 0
    assert 0.005 < (vol > 400).float().mean().item() < 0.05  # a little bone, above 400 HU
    assert vol[60, 380:420, 240:270].max().item() > 1000  # the spine in an axial slice


def test_ct_slices_are_ordered_by_position_not_file_name():
    pydicom = pytest.importorskip("pydicom")
    folder = coursedata.data_file("ct-lung")
    z_by_name = [float(pydicom.dcmread(p, stop_before_pixels=True).ImagePositionPatient[2])
                 for p in sorted(folder.iterdir())]
    assert z_by_name != sorted(z_by_name)  # file names alone would scramble the volume
    volume, _ = coursedata.load_ct_volume(folder)
    first_by_name = pydicom.dcmread(sorted(folder.iterdir())[0])
    depth = sorted(z_by_name).index(float(first_by_name.ImagePositionPatient[2]))
    np.testing.assert_array_equal(volume[depth], first_by_name.pixel_array.astype(np.float32) - 1024)
