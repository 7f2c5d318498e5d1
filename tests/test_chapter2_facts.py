"""Every fact Chapter 2 of the syllabus ("It starts with a tensor") shows, asserted directly on
dlcore (no torch needed): indexing, storages, size/offset/stride, views and contiguity, dtypes,
range and advanced indexing, NumPy interoperability, and the chapter's exercises."""
import numpy as np
import pytest

import dlcore as torch     # the chapter's code, unchanged


@pytest.fixture
def points():
    return torch.tensor([[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]])


# -- 1. a list of floats versus a tensor ---------------------------------------------------------
@pytest.mark.cpu_only(reason="the syllabus prints CPU tensors (no device=)")
def test_ones_indexing_gives_a_0d_tensor():
    a = torch.ones(3)
    assert a[1].dim() == 0 and a[1].shape == torch.Size([])
    assert repr(a[1]) == "tensor(1.)"
    assert float(a[1]) == 1.0 and type(float(a[1])) is float
    a[2] = 2.0
    assert a.tolist() == [1.0, 1.0, 2.0]
    assert repr(a) == "tensor([1., 1., 2.])"


# -- 2. points of a triangle -------------------------------------------------------------------
@pytest.mark.cpu_only(reason="the syllabus prints CPU tensors (no device=)")
def test_points_built_by_hand_and_from_lists(points):
    by_hand = torch.zeros(6)
    for i, v in enumerate([4.0, 1.0, 5.0, 3.0, 2.0, 1.0]):
        by_hand[i] = v
    assert by_hand.tolist() == [4.0, 1.0, 5.0, 3.0, 2.0, 1.0]
    flat = torch.tensor([1.0, 4.0, 2.0, 1.0, 3.0, 5.0])
    assert float(flat[0]) == 1.0 and float(flat[1]) == 4.0
    assert points.shape == torch.Size([3, 2])
    assert torch.zeros(3, 2).shape == torch.Size([3, 2])
    legacy = torch.FloatTensor([[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]])
    assert legacy.dtype == torch.float32 and legacy.tolist() == points.tolist()
    assert repr(points[0, 1]) == "tensor(4.)"
    assert bool(points[0, 1] == torch.tensor(4.0))
    assert repr(points[0]) == "tensor([1., 4.])"


# -- 3. storage ---------------------------------------------------------------------------------
@pytest.mark.cpu_only(reason="the syllabus prints CPU tensors (no device=)")
def test_storage_prints_six_floats(points):
    assert str(points.storage()) == (" 1.0\n 4.0\n 2.0\n 1.0\n 3.0\n 5.0\n"
                                     "[dlcore.FloatStorage of size 6]")
    assert len(points.storage()) == 6


def test_storage_indexing_and_writes_show_in_the_tensor(points):
    storage = points.storage()
    assert storage[0] == 1.0 and storage[1] == 4.0
    storage[0] = 2.0
    assert points.tolist() == [[2.0, 4.0], [2.0, 1.0], [3.0, 5.0]]


# -- 4. size, offset, stride -----------------------------------------------------------------
def test_sub_tensor_layout(points):
    second_point = points[1]
    assert second_point.storage_offset() == 2
    assert second_point.size() == torch.Size([2])
    assert second_point.shape == torch.Size([2])
    assert second_point.stride() == (1,)
    assert points.stride() == (2, 1)


def test_writing_into_a_sub_tensor_changes_points(points):
    second_point = points[1]
    second_point[0] = 10.0
    assert points.tolist() == [[1.0, 4.0], [10.0, 1.0], [3.0, 5.0]]


def test_clone_avoids_it(points):
    second_point = points[1].clone()
    second_point[0] = 10.0
    assert points.tolist() == [[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]]
    assert second_point.tolist() == [10.0, 1.0]


# -- 5. transposing without copying -------------------------------------------------------------
def test_t_shares_the_storage(points):
    points_t = points.t()
    assert id(points.storage()) == id(points_t.storage())
    assert points.stride() == (2, 1)
    assert points_t.stride() == (1, 2)
    assert points_t.tolist() == [[1.0, 2.0, 3.0], [4.0, 1.0, 5.0]]
    assert torch.transpose(points, 0, 1).tolist() == points_t.tolist()


def test_transpose_of_a_3d_tensor():
    some_t = torch.ones(3, 4, 5)
    transpose_t = some_t.transpose(0, 2)
    assert some_t.shape == torch.Size([3, 4, 5])
    assert transpose_t.shape == torch.Size([5, 4, 3])
    assert some_t.stride() == (20, 5, 1)
    assert transpose_t.stride() == (1, 5, 20)


@pytest.mark.cpu_only(reason="the syllabus prints CPU tensors (no device=)")
def test_contiguous(points):
    points_t = points.t()
    assert points.is_contiguous() is True
    assert points_t.is_contiguous() is False
    points_t_cont = points_t.contiguous()
    assert points_t_cont.tolist() == [[1.0, 2.0, 3.0], [4.0, 1.0, 5.0]]
    assert points_t_cont.stride() == (3, 1)
    assert points_t_cont.is_contiguous()
    assert str(points_t_cont.storage()) == (" 1.0\n 2.0\n 3.0\n 4.0\n 1.0\n 5.0\n"
                                            "[dlcore.FloatStorage of size 6]")
    assert points.contiguous() is points          # already contiguous: no copy


# -- 6. numeric types ---------------------------------------------------------------------------
@pytest.mark.cpu_only(reason="the CPU's typed names (dlcore.FloatTensor); test_device.py "
                             "checks the cuda ones")
@pytest.mark.parametrize("name, alias, typed", [
    ("float32", "float", "FloatTensor"), ("float64", "double", "DoubleTensor"),
    ("float16", "half", "HalfTensor"), ("int8", None, "CharTensor"),
    ("uint8", None, "ByteTensor"), ("int16", "short", "ShortTensor"),
    ("int32", "int", "IntTensor"), ("int64", "long", "LongTensor"), ("bool", None, "BoolTensor")])
def test_dtypes_aliases_and_typed_classes(name, alias, typed):
    dtype = getattr(torch, name)
    if alias:
        assert getattr(torch, alias) is dtype
    assert repr(dtype) == f"dlcore.{name}"
    t = torch.zeros(2, dtype=dtype)
    assert t.dtype is dtype
    assert t.type() == f"dlcore.{typed}"
    assert isinstance(t, getattr(torch, typed))
    assert getattr(torch, typed)([1, 0]).dtype is dtype


@pytest.mark.cpu_only(reason="the CPU's typed names (dlcore.FloatTensor); test_device.py "
                             "checks the cuda ones")
def test_tensor_is_float_tensor():
    assert torch.Tensor([1, 2]).dtype == torch.float32
    assert isinstance(torch.Tensor([1, 2]), torch.FloatTensor)
    assert torch.ones(2).dtype == torch.float32              # the default dtype
    assert torch.tensor([1, 2]).dtype == torch.int64         # Python ints: long


def test_dtype_conversions():
    double_points = torch.ones(10, 2, dtype=torch.double)
    short_points = torch.tensor([[1, 2], [3, 4]], dtype=torch.short)
    assert double_points.dtype == torch.float64 and short_points.dtype == torch.int16
    assert torch.zeros(10, 2).double().dtype == torch.float64
    assert torch.ones(10, 2).short().dtype == torch.int16
    assert torch.zeros(10, 2).to(torch.double).dtype == torch.float64
    assert torch.ones(10, 2).to(dtype=torch.short).dtype == torch.int16
    assert torch.ones(10, 2).type(torch.short).dtype == torch.int16
    assert torch.randn(10, 2).type(torch.short).dtype == torch.int16
    mixed = torch.rand(5, dtype=torch.double) * torch.rand(5).short()
    assert mixed.dtype == torch.float64


# -- 7. range indexing and advanced indexing ----------------------------------------------------
def test_range_indexing_on_lists_and_tensors(points):
    some_list = list(range(6))
    assert some_list[:] == [0, 1, 2, 3, 4, 5]
    assert some_list[1:4] == [1, 2, 3] and some_list[1:] == [1, 2, 3, 4, 5]
    assert some_list[:4] == [0, 1, 2, 3] and some_list[:-1] == [0, 1, 2, 3, 4]
    assert some_list[1:4:2] == [1, 3]
    assert points[1:].tolist() == [[2.0, 1.0], [3.0, 5.0]]
    assert points[1:, :].tolist() == [[2.0, 1.0], [3.0, 5.0]]
    assert points[1:, 0].tolist() == [2.0, 3.0]
    assert points[None].shape == torch.Size([1, 3, 2])
    assert points[::2].tolist() == [[1.0, 4.0], [3.0, 5.0]]
    assert points[::2].stride() == (4, 1)
    for view in (points[1:], points[1:, 0], points[None], points[::2]):
        assert view.storage() is points.storage()


def test_advanced_indexing(points):
    assert points[torch.tensor([2, 0])].tolist() == [[3.0, 5.0], [1.0, 4.0]]
    assert points[[0, 2], [1, 0]].tolist() == [4.0, 3.0]
    assert points[points > 2].tolist() == [4.0, 3.0, 5.0]
    mask = points[:, 0] > 1
    assert points[mask].tolist() == [[2.0, 1.0], [3.0, 5.0]]
    copy = points[mask]
    assert copy.storage() is not points.storage()      # advanced indexing copies
    points[points > 2] = 0.0
    assert points.tolist() == [[1.0, 0.0], [2.0, 1.0], [0.0, 0.0]]


# -- 8. NumPy interoperability ----------------------------------------------------------------
@pytest.mark.cpu_only(reason="NumPy shares memory with CPU tensors only")
def test_numpy_shares_memory_both_ways(points):
    points_np = points.cpu().numpy()
    assert isinstance(points_np, np.ndarray) and points_np.dtype == np.float32
    points_np[0, 0] = 7.0
    assert float(points[0, 0]) == 7.0
    points[2, 1] = 9.0
    assert points_np[2, 1] == 9.0
    assert np.shares_memory(points_np, points.cpu().numpy())


def test_from_numpy_shares_memory_both_ways():
    array = np.arange(6, dtype=np.float64).reshape(3, 2)
    t = torch.from_numpy(array)
    assert t.dtype == torch.float64 and t.shape == torch.Size([3, 2])
    array[1, 1] = -1.0
    assert float(t[1, 1]) == -1.0
    t[0, 0] = 5.0
    assert array[0, 0] == 5.0


@pytest.mark.cpu_only(reason="NumPy shares memory with CPU tensors only")
def test_np_asarray_of_a_tensor_shares_memory(points):
    array = np.asarray(points)
    assert array.shape == (3, 2) and array.dtype == np.float32
    array[1, 0] = 8.0
    assert float(points[1, 0]) == 8.0
    view = np.asarray(points.t())                          # a view stays a view
    assert view.shape == (2, 3) and np.shares_memory(view, array)


# -- exercises --------------------------------------------------------------------------------------
def test_exercise_views_of_a_range():
    a = torch.tensor(list(range(9)))
    assert a.size() == torch.Size([9]) and a.storage_offset() == 0 and a.stride() == (1,)
    b = a.view(3, 3)
    assert int(b[1, 1]) == 4
    assert b.storage() is a.storage()
    c = b[1:, 1:]
    assert c.size() == torch.Size([2, 2])
    assert c.storage_offset() == 4
    assert c.stride() == (3, 1)
    assert c.tolist() == [[4, 5], [7, 8]]


def test_exercise_cosine_and_square_root():
    a = torch.tensor(list(range(9)))
    cos, sqrt = torch.cos(a), torch.sqrt(a)
    assert cos.dtype == torch.float32 and sqrt.dtype == torch.float32   # ints promote to float
    assert sqrt.tolist()[:4] == [0.0, 1.0, pytest.approx(2 ** 0.5), pytest.approx(3 ** 0.5)]
    assert a.cos().tolist() == cos.tolist()
    assert float(cos[0]) == 1.0


@pytest.mark.parametrize("name", ["cos_", "sqrt_"])
def test_exercise_in_place_versions_on_an_integer_tensor(name):
    a = torch.tensor(list(range(9)))
    with pytest.raises(RuntimeError) as err:
        getattr(a, name)()
    assert str(err.value) == "result type Float can't be cast to the desired output type Long"
    assert a.tolist() == list(range(9))                   # left untouched


@pytest.mark.parametrize("name", ["cos_", "sqrt_"])
def test_exercise_in_place_versions_on_a_float_tensor(name):
    a = torch.tensor([0.0, 1.0, 4.0])
    storage = a.storage()
    result = getattr(a, name)()
    assert result is a and a.storage() is storage
    expected = getattr(torch, name[:-1])(torch.tensor([0.0, 1.0, 4.0])).tolist()
    assert a.tolist() == expected
