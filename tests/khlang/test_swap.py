from khlang.swap import recover, swap_in, temp_beside


def test_recover_puts_an_aside_folder_back(tmp_path):
    target = tmp_path / "panel.zarr"
    (tmp_path / "panel.zarr.old-1").mkdir()
    (tmp_path / "panel.zarr.tmp-2").mkdir()
    recover(target)
    assert target.is_dir() and sorted(p.name for p in tmp_path.iterdir()) == ["panel.zarr"]
    (tmp_path / "panel.zarr.old-3").mkdir()
    recover(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["panel.zarr"]


def test_swap_in_replaces_the_whole_folder(tmp_path):
    target = tmp_path / "features.zarr"
    target.mkdir()
    (target / "old").write_text("old")
    tmp = temp_beside(target, "b1")
    tmp.mkdir()
    (tmp / "new").write_text("new")
    swap_in(tmp, target, "b1")
    assert [p.name for p in target.iterdir()] == ["new"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["features.zarr"]
